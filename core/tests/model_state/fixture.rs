//! What the model test's engines start from, shared by the parent and its engine
//! processes.

pub use crate::support::{PHRASINGS, REPLY, START};

/// The customer message an operator's takeover follows.
pub const LOGIN: &str = PHRASINGS[0];
/// Approvals given at setup (the support gate asks for 4).
pub const SETUP_APPROVALS: u64 = 5;

/// A customer message unlike every phrasing, for feedback texts: approving one adds a
/// far example, rejecting one a far rejection, so neither changes how the phrasings
/// are matched.
pub fn unrelated(k: u64) -> String {
    const WORDS: [&str; 8] = [
        "zebra", "quartz", "violin", "glacier", "pepper", "nebula", "walnut", "harbour",
    ];
    let w = |i: u64| WORDS[(i % WORDS.len() as u64) as usize];
    format!("{} {} {} number {k}", w(k), w(k / 8 + 3), w(k / 64 + 5))
}
