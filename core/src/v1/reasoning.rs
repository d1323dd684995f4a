//! V1's `reasoning` object: why a pattern was chosen, what to do next and what to
//! ask the customer, in words.

use serde::Serialize;

use crate::decision::{Action, Decision};

/// V1's `reasoning` object (keys in V1's snake_case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reasoning {
    /// How the pattern was found and how close the message is to it.
    pub thought_process: String,
    /// What the caller should do next.
    pub next_steps: Vec<String>,
    /// What to ask the customer (variables the reply needs and the message lacks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questions_to_ask: Option<Vec<String>>,
    /// How the confidence came about.
    pub confidence_explanation: String,
}

/// The reasoning behind a decision that names a pattern.
pub(super) fn reasoning(d: &Decision) -> Reasoning {
    let missing = &d.evidence.missing_variables;
    Reasoning {
        thought_process: thought_process(d),
        next_steps: next_steps(d.action, missing),
        questions_to_ask: (!missing.is_empty()).then(|| questions(missing)),
        confidence_explanation: confidence_explanation(d),
    }
}

/// How the pattern was found and how close the message is to it.
fn thought_process(d: &Decision) -> String {
    let e = &d.evidence;
    let kind = serde_json::to_value(e.match_kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut thought = format!(
        "Matched pattern {} ({kind} match, similarity {:.2}",
        d.pattern_id.map_or(0, |p| p.0),
        e.similarity
    );
    if let Some(nearest) = &e.nearest_example {
        thought.push_str(&format!(" to \"{nearest}\""));
    }
    thought.push_str(&format!(", margin {:.2} over the next reply", e.margin));
    if !e.keyword_hits.is_empty() {
        thought.push_str(&format!(", keywords: {}", e.keyword_hits.join(", ")));
    }
    thought.push_str(").");
    thought
}

/// What to do with the decision, then each template variable to fill in first.
fn next_steps(action: Action, missing_variables: &[String]) -> Vec<String> {
    let first = match action {
        Action::AutoExecute => "Send the reply to the customer.",
        Action::Suggest => "Show the suggested reply to an operator to send, edit or reject.",
        Action::Queue => "Put the reply in the review queue.",
        Action::Escalate => "Hand the conversation to an operator.",
        Action::Shadow => "Shadow mode: record the decision, send nothing.",
    };
    std::iter::once(first.to_owned())
        .chain(
            missing_variables
                .iter()
                .map(|var| format!("Fill in {{{{{var}}}}} before sending.")),
        )
        .collect()
}

/// One question to the customer per missing template variable.
fn questions(missing_variables: &[String]) -> Vec<String> {
    missing_variables
        .iter()
        .map(|v| format!("What is the {}?", v.replace(['_', '.'], " ")))
        .collect()
}

/// How the confidence came about.
fn confidence_explanation(d: &Decision) -> String {
    let e = &d.evidence;
    format!(
        "Decision confidence {:.2} from similarity {:.2} and pattern confidence {:.2} \
         ({} confirmed sends); auto-send threshold {:.2}; reason: {}.",
        d.confidence,
        e.similarity,
        e.pattern_confidence,
        e.support,
        e.auto_threshold,
        d.reason.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_variables_become_steps_and_questions() {
        let missing = ["bay_number".to_owned(), "customer.name".to_owned()];
        assert_eq!(
            next_steps(Action::Suggest, &missing),
            [
                "Show the suggested reply to an operator to send, edit or reject.",
                "Fill in {{bay_number}} before sending.",
                "Fill in {{customer.name}} before sending.",
            ]
        );
        assert_eq!(
            questions(&missing),
            ["What is the bay number?", "What is the customer name?"]
        );
        assert_eq!(next_steps(Action::AutoExecute, &[]).len(), 1);
    }
}
