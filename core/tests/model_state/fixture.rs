//! What the model test's engines start from, shared by the parent and its engine
//! processes.

use pattern_learning::clock::Timestamp;

/// The trusted pattern's reply.
pub const REPLY: &str = "You can play as Guest: tap 'Guest' on the TrackMan login screen.";
/// The trusted pattern's trigger examples; the model's messages are these.
pub const PHRASINGS: [&str; 8] = [
    "i can't log in to the trackman",
    "the qr code won't log us in",
    "cant login on the simulator",
    "trackman login is not working",
    "qr login failed",
    "we can't sign in to trackman",
    "how do we log in to the sim",
    "login screen wont accept qr code",
];
/// The customer message an operator's takeover follows.
pub const LOGIN: &str = PHRASINGS[0];
/// The start of the clock (2026-01-01T00:00:00Z).
pub const START: Timestamp = Timestamp(1_767_225_600_000);
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
