//! A deterministic store content for the store benchmarks (SQLite and PostgreSQL):
//! [`PATTERNS`] patterns of [`EXAMPLES_PER_PATTERN`] trigger examples each, written
//! in words of the support inbox, each with its creation event.

use pattern_learning::clock::Timestamp;
use pattern_learning::store::{Commit, Store};
use pattern_learning::{ChangeKind, Pattern, PatternEvent, PatternId, PatternState, Provenance};

/// Patterns in a bench store.
pub const PATTERNS: u64 = 10_000;
/// Trigger examples per pattern.
pub const EXAMPLES_PER_PATTERN: usize = 5;
/// The time every pattern was created (2026-01-01, in milliseconds).
pub const T0: i64 = 1_767_225_600_000;

const WORDS: [&str; 24] = [
    "trackman", "bay", "frozen", "door", "code", "booking", "gift", "card", "hours", "open",
    "tonight", "cancel", "screen", "clubs", "rent", "price", "member", "login", "wifi", "drinks",
    "refund", "later", "stuck", "please",
];

/// Deterministic text of `n` words for `seed` (an xorshift walk over the inbox words).
pub fn words(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            WORDS[(x % WORDS.len() as u64) as usize]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Pattern `id`: learned, active, not auto-executable, with a reply that has a
/// template placeholder.
pub fn pattern(id: u64) -> Pattern {
    Pattern {
        id: PatternId(id),
        topic: "tech_support".to_owned(),
        signature: format!("{:032x}", id.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        trigger_keywords: vec![words(id, 1), words(id + 1, 2)],
        response_template: format!(
            "{} {{{{bay_number|your bay}}}}. {}",
            words(id * 7, 12),
            words(id * 11, 10)
        ),
        action_template: None,
        confidence: 0.5,
        is_active: true,
        auto_executable: false,
        is_deleted: false,
        execution_count: id % 17,
        success_count: id % 13,
        failure_count: id % 3,
        override_count: id % 2,
        provenance: Provenance::Learned,
        v1_signature: None,
        created_at: Timestamp(T0),
        last_used: Some(Timestamp(T0 + 1000)),
        last_modified: Timestamp(T0 + 1000),
        trigger_examples: (0..EXAMPLES_PER_PATTERN as u64)
            .map(|i| words(id * 31 + i, 9))
            .collect(),
    }
}

/// The event number `seq` of `kind` on `p` (a creation event carries the whole
/// pattern).
pub fn event(seq: u64, p: &Pattern, kind: ChangeKind) -> PatternEvent {
    PatternEvent {
        seq,
        at: Timestamp(T0 + seq as i64),
        actor: None,
        kind,
        pattern_id: p.id,
        old_confidence: (kind != ChangeKind::Created).then_some(0.5),
        new_confidence: p.confidence,
        message: None,
        state: PatternState::of(p),
        full: (kind == ChangeKind::Created).then(|| p.clone()),
    }
}

/// Writes the [`PATTERNS`] patterns and their creation events to `store`, 1,000 per
/// commit.
pub fn fill(store: &dyn Store) {
    let patterns: Vec<Pattern> = (1..=PATTERNS).map(pattern).collect();
    for chunk in patterns.chunks(1000) {
        store
            .commit(&Commit {
                patterns: chunk.to_vec(),
                events: chunk
                    .iter()
                    .map(|p| event(p.id.0, p, ChangeKind::Created))
                    .collect(),
                ..Commit::default()
            })
            .expect("commit");
    }
}
