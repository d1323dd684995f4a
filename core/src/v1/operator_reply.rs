//! What an operator's reply to a proposed pattern was: the proposal itself, an edit
//! of it, or another answer altogether.

use std::collections::HashSet;

use crate::text;

/// How an operator's sent text relates to the reply the engine proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OperatorReply {
    /// The proposed reply, up to case, spacing and punctuation.
    Proposed,
    /// An edit of it: at least half of the words of the two texts together are
    /// shared (Jaccard similarity of their word sets ≥ 0.5).
    Edited,
    /// Another text ("ok", a different answer): no verdict on the proposal.
    Other,
}

/// Classifies `sent` against the `proposed` reply.
pub(crate) fn classify(proposed: &str, sent: &str) -> OperatorReply {
    if crate::book::reply_key(proposed) == crate::book::reply_key(sent) {
        return OperatorReply::Proposed;
    }
    let words = |s: &str| -> HashSet<String> { text::word_list(s).into_iter().collect() };
    let (a, b) = (words(proposed), words(sent));
    let shared = a.intersection(&b).count();
    let all = a.union(&b).count();
    if all > 0 && shared * 2 >= all {
        OperatorReply::Edited
    } else {
        OperatorReply::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIFT: &str = "Yes! Gift cards are sold online, from $25 to $500.";

    #[test]
    fn the_proposal_an_edit_and_another_text() {
        assert_eq!(
            classify(GIFT, &GIFT.to_uppercase()),
            OperatorReply::Proposed
        );
        let edit = "Yes! Gift cards are sold online, from $25 to $400. Ask at the desk.";
        assert_eq!(classify(GIFT, edit), OperatorReply::Edited);
        for other in ["ok", "Sure, one moment please.", "We open at 9 tomorrow."] {
            assert_eq!(classify(GIFT, other), OperatorReply::Other, "{other}");
        }
    }
}
