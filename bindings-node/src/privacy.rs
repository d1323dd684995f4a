//! Customer data (mirrors `core/src/privacy` and the erasure counts of
//! `core/src/store/erasure.rs`): whom to erase, and what an erasure or a retention
//! run erased.

use napi_derive::napi;
use pattern_learning as pl;

use crate::decision::number;

/// The customer to erase: by phone number, by conversation id, or both.
#[napi(object)]
pub struct CustomerToErase {
    /// The customer's phone number, in any formatting.
    pub phone: Option<String>,
    /// A conversation id of the customer's.
    pub conversation_id: Option<String>,
}

impl From<CustomerToErase> for pl::privacy::Customer {
    fn from(c: CustomerToErase) -> Self {
        pl::privacy::Customer {
            phone: c.phone,
            conversation_id: c.conversation_id,
        }
    }
}

/// What an erasure (or a retention run) erased, by kind of row.
#[napi(object)]
pub struct ErasureCounts {
    /// Decisions that lost their text and customer fields.
    pub decisions: f64,
    /// Trigger examples taken out of patterns.
    pub examples: f64,
    /// Rejected messages taken out of patterns.
    pub rejections: f64,
    /// History entries that lost a message or examples.
    pub events: f64,
    /// Conversation states deleted.
    pub conversations: f64,
    /// Automatic sends that lost their message and conversation ids (PostgreSQL).
    pub sends: f64,
    /// Other decisions that forgot a removed text named as their nearest example.
    pub nearest_examples: f64,
}

impl From<pl::store::ErasureCounts> for ErasureCounts {
    fn from(c: pl::store::ErasureCounts) -> Self {
        ErasureCounts {
            decisions: number(c.decisions),
            examples: number(c.examples),
            rejections: number(c.rejections),
            events: number(c.events),
            conversations: number(c.conversations),
            sends: number(c.sends),
            nearest_examples: number(c.nearest_examples),
        }
    }
}
