//! What the caller knows about a message besides its text.

use serde::{Deserialize, Serialize};

/// What the caller knows about a message besides its text.
///
/// # Example
/// ```
/// use pattern_learning::MessageContext;
/// let ctx = MessageContext::new()
///     .conversation("conv-42")
///     .phone("+19025550100")
///     .customer_name("Sam")
///     .message_id("openphone-msg-1");
/// assert_eq!(ctx.conversation_id.as_deref(), Some("conv-42"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageContext {
    /// Conversation the message belongs to (guards are kept per conversation).
    pub conversation_id: Option<String>,
    /// Customer phone number.
    pub phone: Option<String>,
    /// Customer name, for `{{customer_name}}`.
    pub customer_name: Option<String>,
    /// Inbound message id; the same id is never answered twice.
    pub message_id: Option<String>,
    /// Caller-supplied embedding of the message (e.g. OpenAI), compared with the
    /// caller-supplied vectors of pattern examples.
    pub embedding: Option<Vec<f32>>,
    /// Extra template variables (`{{booking_link}}`, `{{customer.name}}`, …).
    #[serde(default)]
    pub variables: serde_json::Map<String, serde_json::Value>,
}

impl MessageContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the conversation id.
    pub fn conversation(mut self, id: impl Into<String>) -> Self {
        self.conversation_id = Some(id.into());
        self
    }
    /// Sets the phone number.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
    /// Sets the customer name.
    pub fn customer_name(mut self, name: impl Into<String>) -> Self {
        self.customer_name = Some(name.into());
        self
    }
    /// Sets the inbound message id.
    pub fn message_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }
    /// Sets a caller-supplied embedding.
    pub fn embedding(mut self, vector: Vec<f32>) -> Self {
        self.embedding = Some(vector);
        self
    }
    /// Adds a template variable.
    pub fn variable(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.variables.insert(key.into(), value.into());
        self
    }
}
