//! V1's `planConversationSteps`, which asked a network model for a resolution plan.
//! The library calls no model: it returns the result V1 returned without one.

use serde::Serialize;

/// One step of a [`ConversationPlan`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanStep {
    /// 1-based position.
    pub step: u32,
    /// What to do (`respond`).
    pub action: String,
    /// The step in words.
    pub description: String,
    /// When the step applies, if only sometimes (never set here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// V1's `planConversationSteps` result (V1's snake_case keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversationPlan {
    /// The steps.
    pub steps: Vec<PlanStep>,
    /// The step the conversation is at (always 1).
    pub current_step: u32,
    /// V1's estimate (`immediate`).
    pub estimated_resolution_time: String,
}

/// V1's `planConversationSteps(message, conversationId, customerContext)`: V1's
/// documented result without a model — one step, "respond": `{steps: [{step: 1,
/// action: 'respond', description: 'Send response to customer'}], current_step: 1,
/// estimated_resolution_time: 'immediate'}` — whatever the arguments. V1 asked
/// GPT-4o for a plan when it had an API key; the library calls no network model.
///
/// # Example
/// ```
/// let plan = pattern_learning::v1::plan_conversation_steps();
/// assert_eq!(plan.steps[0].action, "respond");
/// assert_eq!(plan.estimated_resolution_time, "immediate");
/// ```
pub fn plan_conversation_steps() -> ConversationPlan {
    ConversationPlan {
        steps: vec![PlanStep {
            step: 1,
            action: "respond".to_owned(),
            description: "Send response to customer".to_owned(),
            condition: None,
        }],
        current_step: 1,
        estimated_resolution_time: "immediate".to_owned(),
    }
}
