//! Test support shared by the integration tests: an engine with one trusted,
//! auto-executable pattern (used by `properties.rs`, `safety_incidents.rs` and
//! `hostile_inputs.rs`), and memory stores with a gate before each commit: one that
//! fails on demand (`durable.rs`, `observability.rs`), one that loses races (`durable.rs`).

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::config::Config;
use pattern_learning::safety::SafetySettings;
use pattern_learning::store::{Commit, DecisionRecord, MemoryStore, Store, StoredState};
use pattern_learning::{DecisionId, Engine, Error, Feedback, NewPattern, PatternEvent, PatternId};

/// The trusted pattern's reply.
pub const REPLY: &str = "You can play as Guest: tap 'Guest' on the TrackMan login screen.";
/// The trusted pattern's trigger examples.
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
/// A message that auto-sends [`REPLY`] in a fresh conversation (default config).
pub const LOGIN: &str = "i can't log in to the trackman";
/// The fixture's start time (2026-01-01T00:00:00Z).
pub const START: Timestamp = Timestamp(1_767_225_600_000);

/// An engine on a manual clock with one trusted pattern.
pub struct Fixture {
    pub engine: Engine,
    pub clock: ManualClock,
    pub pattern: PatternId,
}

/// Safety settings whose only approval rule is the environment's: V1's
/// `approvalThreshold` (10 by default) is off, for tests of something else.
pub fn without_v1_approval_threshold() -> SafetySettings {
    SafetySettings {
        require_approval_for_new: false,
        ..SafetySettings::default()
    }
}

/// Operator approvals the trusted pattern gets: V1's default `approvalThreshold`,
/// which the `operator_approvals` gate asks for by default.
pub const APPROVALS: usize = 10;

/// An engine with one trusted, auto-executable pattern: confidence 1.0 and
/// [`APPROVALS`] operator approvals, so it clears every auto-send gate for [`LOGIN`].
pub fn trained(config: Config) -> Fixture {
    let clock = ManualClock::new(START);
    let engine = Engine::builder()
        .config(config)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let pattern = engine
        .create_pattern(
            NewPattern::new(PHRASINGS, REPLY)
                .confidence(1.0)
                .auto_executable(true),
        )
        .unwrap()
        .id;
    approve_to_trust(&engine, pattern);
    Fixture {
        engine,
        clock,
        pattern,
    }
}

/// Gives `pattern` [`APPROVALS`] operator approvals of [`PHRASINGS`] variants.
pub fn approve_to_trust(engine: &Engine, pattern: PatternId) {
    for (i, p) in PHRASINGS.iter().cycle().take(APPROVALS).enumerate() {
        let mark = if i < PHRASINGS.len() { "!" } else { "?" };
        engine
            .feedback(&Feedback::approve(format!("{p}{mark}"), pattern))
            .unwrap();
    }
}

/// What a test store does before each commit of its in-memory store, and when an
/// engine holds or releases the writes.
pub trait CommitGate: std::fmt::Debug + Send + Sync {
    /// Lets `commit` through (`Ok`) or refuses it with an error.
    fn check(&self, commit: &Commit) -> pattern_learning::Result<()>;
    /// See [`Store::hold_writes`].
    fn hold_writes(&self) -> pattern_learning::Result<()> {
        Ok(())
    }
    /// See [`Store::release_writes`].
    fn release_writes(&self) -> pattern_learning::Result<()> {
        Ok(())
    }
}

/// A memory store whose commits pass `gate` first; reads always work.
#[derive(Debug, Default)]
pub struct GatedStore<G> {
    pub inner: MemoryStore,
    pub gate: G,
}

impl<G: CommitGate> Store for GatedStore<G> {
    fn load(&self) -> pattern_learning::Result<StoredState> {
        self.inner.load()
    }
    fn commit(&self, commit: &Commit) -> pattern_learning::Result<()> {
        self.gate.check(commit)?;
        self.inner.commit(commit)
    }
    fn events(
        &self,
        p: Option<PatternId>,
        after: u64,
        limit: usize,
    ) -> pattern_learning::Result<Vec<PatternEvent>> {
        self.inner.events(p, after, limit)
    }
    fn decisions(&self, after: u64, limit: usize) -> pattern_learning::Result<Vec<DecisionRecord>> {
        self.inner.decisions(after, limit)
    }
    fn decision(&self, id: DecisionId) -> pattern_learning::Result<Option<DecisionRecord>> {
        self.inner.decision(id)
    }
    fn feedback_applied(&self, id: &str) -> pattern_learning::Result<bool> {
        self.inner.feedback_applied(id)
    }
    fn auto_sends_since(&self, since: Timestamp) -> pattern_learning::Result<Vec<Timestamp>> {
        self.inner.auto_sends_since(since)
    }
    fn schema_version(&self) -> u32 {
        self.inner.schema_version()
    }
    fn hold_writes(&self) -> pattern_learning::Result<()> {
        self.gate.hold_writes()
    }
    fn release_writes(&self) -> pattern_learning::Result<()> {
        self.gate.release_writes()
    }
}

/// Commits fail while `failing` is set (disk full, read-only file…).
#[derive(Debug, Default)]
pub struct Flaky {
    pub failing: AtomicBool,
}

impl CommitGate for Flaky {
    fn check(&self, _commit: &Commit) -> pattern_learning::Result<()> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(Error::Store {
                operation: "commit".into(),
                reason: "disk full (simulated)".into(),
            });
        }
        Ok(())
    }
}

/// A store whose commits fail on demand ([`Flaky::failing`]); reads always work.
pub type FlakyStore = GatedStore<Flaky>;
