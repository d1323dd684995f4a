//! V1's automatic-reply signature: how the engine signs its replies and recognises
//! them when they come back as "operator" answers.

/// V1's automatic-reply signature. Every reply the engine proposes through this module
/// ends with it, and a reply that contains it (or `-ClubAI`) is recognised as the
/// engine's own: it is not learned and does not count as an operator takeover.
pub const AI_SIGNATURE: &str = "- ClubAI";

/// The signature V1 also recognised (without the space).
const AI_SIGNATURE_TIGHT: &str = "-ClubAI";

/// True when `text` carries V1's automatic-reply signature (`- ClubAI` or `-ClubAI`),
/// i.e. the engine wrote it, not an operator.
///
/// # Example
/// ```
/// use pattern_learning::v1::is_ai_reply;
/// assert!(is_ai_reply("Open 9-5.\n\n- ClubAI"));
/// assert!(is_ai_reply("Open 9-5. -ClubAI"));
/// assert!(!is_ai_reply("Open 9-5. Cheers, Sam"));
/// ```
pub fn is_ai_reply(text: &str) -> bool {
    text.contains(AI_SIGNATURE) || text.contains(AI_SIGNATURE_TIGHT)
}

/// Appends [`AI_SIGNATURE`] after a blank line, unless the text carries it already
/// (V1 §6.7).
///
/// # Example
/// ```
/// use pattern_learning::v1::sign;
/// assert_eq!(sign("Open 9-5."), "Open 9-5.\n\n- ClubAI");
/// assert_eq!(sign("Open 9-5.\n\n- ClubAI"), "Open 9-5.\n\n- ClubAI");
/// ```
pub fn sign(text: &str) -> String {
    if is_ai_reply(text) {
        text.to_owned()
    } else {
        format!("{}\n\n{AI_SIGNATURE}", text.trim_end())
    }
}
