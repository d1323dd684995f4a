//! Learns canned replies from the way support operators answer customers, and
//! decides for every new message whether to send a learned reply automatically,
//! suggest it to an operator, queue it for review, or hand it to a human.
//!
//! A support inbox receives the same questions again and again. Operators answer them
//! by hand; the [`Engine`] watches those answers and learns *patterns* (one reply, plus
//! the ways customers ask for it). For each new message it returns a [`Decision`]: the
//! [`Action`] to take, the [`Reason`], the proposed reply, a confidence in `[0, 1]` and
//! the [`Evidence`] behind it. Every operator reaction — approve, edit, reject, answer —
//! is fed back as [`Feedback`] and moves the pattern's trust, so automation grows only
//! where operators keep agreeing with the engine.
//!
//! A wrong automatic reply is the worst outcome, so when in doubt the engine does not
//! send: learned patterns earn trust first, every automatic send passes several gates,
//! and the safety features are on by default. The engine never sends anything itself:
//! the caller sends [`Decision::outbound`] if, and only if, it is set.
//!
//! # Quick start
//!
//! ```
//! use pattern_learning::{Action, Engine, Feedback, MessageContext};
//!
//! let engine = Engine::new(); // in memory, default configuration (profile `seed`)
//! let ctx = MessageContext::new().conversation("conv-1").customer_name("Sam");
//!
//! // Nothing learned yet: a silent hand-off to a human.
//! let d = engine.process("Do you sell gift cards?", &ctx)?;
//! assert_eq!(d.action, Action::Escalate);
//! assert!(!d.sends());
//!
//! // The operator answers by hand; the engine learns the reply.
//! engine.feedback(&Feedback::answer("Do you sell gift cards?", "Yes! Gift cards are sold online."))?;
//!
//! // A similar message: the reply is proposed to an operator (trust is earned first).
//! let d = engine.process("do you have gift cards?", &ctx)?;
//! assert!(matches!(d.action, Action::Suggest | Action::Queue));
//! assert_eq!(d.response.as_deref(), Some("Yes! Gift cards are sold online."));
//!
//! // The operator sends it as proposed: the approval raises the pattern's trust.
//! let pattern = d.pattern_id.expect("a proposal names its pattern");
//! let outcome = engine.feedback(&Feedback::approve("do you have gift cards?", pattern))?;
//! let (before, after) = outcome.confidence_change.expect("an approval moves confidence");
//! assert!(after > before);
//! # Ok::<(), pattern_learning::Error>(())
//! ```
//!
//! # The path of a decision
//!
//! [`Engine::process`] takes one inbound message and a [`MessageContext`] (conversation,
//! phone, customer name, inbound message id, template variables, optionally the
//! caller's own embedding of the message), and decides in this order:
//!
//! 1. **Idempotency.** A message id seen before gets the earlier decision back as
//!    [`Reason::DuplicateMessage`], with nothing to send.
//! 2. **Bounds.** An empty or word-less message, or one longer than
//!    [`Config::max_message_bytes`], is handed to a human silently.
//! 3. **Safety rules** on the normalised words: a negative-sentiment rule hands the
//!    message to a human with a notice to the customer; a blacklisted topic or an
//!    escalation keyword hands it over silently.
//! 4. **Retrieval.** Candidates from the exact signature, trigger keywords (typo
//!    tolerant), a lexical index of words and character n-grams, and the nearest
//!    trigger examples by the embedder's vector (or by caller vectors).
//! 5. **Scoring** ([`score`]): the best reply, the best *different* reply, how many of
//!    the nearest examples agree, how often operators sent the reply; the decision
//!    confidence is match quality × neighbour agreement × pattern trust.
//! 6. **Tiers.** Above the auto threshold *and* with every gate
//!    ([`gates::Gates`], every one in [`gates`]) passed *and* an auto-executable pattern *and* a complete
//!    template: [`Action::AutoExecute`]; otherwise [`Action::Suggest`],
//!    [`Action::Queue`] or [`Action::Escalate`] by threshold.
//! 7. **Guards**: operator takeover, cool-down, reply cap, rapid messages, pattern
//!    reuse, the hourly cap. A blocked automatic send becomes a suggestion, with the
//!    guard as the reason.
//! 8. **Modes.** Disabled: [`Action::Escalate`] with [`Reason::Disabled`] and nothing
//!    to send, ever. Shadow mode: [`Action::Shadow`] with what *would* have happened in
//!    [`Decision::would_action`], and nothing to send.
//! 9. **Record.** With a store, the decision and the conversation's guard state are
//!    committed before `process` returns; if that fails, `process` returns the error
//!    and nothing may be sent.
//!
//! Every gate is reported with its value in [`Evidence::gates`], so a reviewer can see
//! why a message was or was not sent. [`Engine::process_batch`] decides many messages
//! in parallel and keeps their order.
//!
//! # Durable stores
//!
//! [`Engine::new`] keeps everything in memory. [`Engine::open`] keeps patterns,
//! settings, per-conversation guard state and an append-only log of every decision and
//! every pattern change in one SQLite file ([`store::SqliteStore`]: WAL, a synchronous
//! commit per change). The store is the source of truth: every change is one
//! all-or-nothing commit, a failed write leaves memory equal to the store, and the
//! indexes are rebuilt from it at open. One engine holds a file at a time.
//!
//! ```
//! use pattern_learning::{Engine, Error, Feedback};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("patterns.db");
//! {
//!     let engine = Engine::open(&path)?;
//!     engine.feedback(&Feedback::answer("wifi password?", "It is on the wall by bay 1."))?;
//!     // A second engine on the same file is refused while the first holds it.
//!     assert!(matches!(Engine::open(&path), Err(Error::StoreLocked { .. })));
//! }
//! let engine = Engine::open(&path)?; // everything is still there
//! assert_eq!(engine.pattern_count(), 1);
//! assert_eq!(engine.full_history()?.len(), 1); // the creation, as an event
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every change is a [`PatternEvent`]: [`Engine::history`] lists a pattern's changes,
//! [`Engine::undo`] reverts the latest one, [`Engine::bulk`] changes many patterns at
//! once with a dry run that reports exactly what the real run will change, and
//! [`rebuild_from_history`] recomputes the patterns from the events. With the cargo
//! feature `postgres`, `Engine::open_postgres(url)` keeps the state in PostgreSQL,
//! shared by several engines in several processes: what one learns, the others use at
//! their next decision, and the hourly cap, the per-conversation caps and "one send
//! per message id" hold across all of them; the connection uses TLS as its string's
//! `sslmode` and `sslrootcert` ask (`verify-full` in production). [`Engine::import`]
//! takes V1 `decision_patterns` rows ([`v1::rows`]).
//!
//! # Customer data
//!
//! What customers write is kept only as long as it is needed. Examples learned from
//! their messages are stored with phone numbers, e-mail addresses and names redacted
//! ([`privacy::redact`]); a store file is readable by its owner only; the
//! `retention` section of the configuration makes [`Engine::apply_retention`] drop
//! the text and customer fields of old decisions; [`Engine::erase_customer`] removes a
//! customer's texts and identifiers everywhere, logged without them.
//!
//! ```
//! use pattern_learning::privacy::Customer;
//! use pattern_learning::{Engine, Feedback, MessageContext};
//!
//! let dir = tempfile::tempdir()?;
//! let engine = Engine::open(dir.path().join("inbox.db"))?;
//! let ctx = MessageContext::new().conversation("conv-7").phone("+1 902 555 0100");
//! engine.process("this is Sam, call me at 902-555-0100 about my booking", &ctx)?;
//! let learned = engine.feedback(&Feedback::answer(
//!     "this is Sam, call me at 902-555-0100 about my booking",
//!     "We will call you back within the hour.",
//! ))?;
//! let id = learned.learned_pattern.expect("a new pattern");
//! assert_eq!(
//!     engine.pattern(id).unwrap().trigger_examples,
//!     ["this is [name], call me at [phone] about my booking"]
//! );
//! let erased = engine.erase_customer(&Customer::phone("9025550100"))?;
//! assert_eq!((erased.decisions, erased.examples), (1, 1));
//! assert_eq!(engine.erasure_log()?.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Feedback
//!
//! [`Feedback`] carries the operator's reaction to a message: [`Feedback::approve`]
//! (the proposed reply went out), [`Feedback::modify`] (it went out with edits),
//! [`Feedback::reject`] (with the reply sent instead, if any) and [`Feedback::answer`]
//! (the operator's own reply). [`Feedback::from_json`] also reads the structured V2
//! shape with a `rating`. Naming the decision ([`Feedback::decision_id`]) or the
//! pattern links the feedback to the pattern judged; a repeated [`Feedback::id`] is
//! ignored. The [`FeedbackOutcome`] says which pattern was judged or learned, whether
//! one was created or promoted, and how its confidence moved.
//!
//! - Approve, modify and reject move trust by [`config::LearningRates`]
//!   (+0.15 / +0.10 / −0.20 in profile `seed`), clamped to `[0, 1]`.
//! - An answer joins the pattern that carries the same reply as a new example, or
//!   creates a pattern that may be suggested but not sent automatically.
//! - A pattern is promoted to automatic sending when its trust is above 0.85 with more
//!   than 3 confirmed uses ([`config::Promotion`]), or by
//!   [`Engine::set_auto_executable`].
//! - A rejected reply is not proposed again for the same kind of message.
//! - Replies carrying the configured automatic-reply signature are never learned.
//!
//! Patterns can also be written by hand with [`Engine::create_pattern`]: several
//! trigger examples, keywords and a reply template (`{{var}}`, `{{var|default}}`; see
//! [`template`]). A reply with a placeholder that could not be filled is never sent.
//!
//! # Safety
//!
//! On by default: blacklist topics and escalation keywords, matched on whole words of
//! the normalised message; eight negative-sentiment rules; operator takeover
//! ([`Engine::record_operator_message`]: no automatic reply on that topic for 4 hours,
//! on any topic for 60 minutes); at most 3 automatic replies per conversation and one
//! per pattern per conversation; 3 inbound messages within 60 seconds hand the
//! conversation to a person; at most 120 automatic sends per hour; one decision per
//! inbound message id. "No match" is a silent hand-off; only sentiment, rapid-message
//! and reply-cap escalations carry a notice for the customer.
//!
//! The lists, rules, limits and texts are [`safety::SafetyThresholds`] and
//! [`safety::SafetySettings`] (V1's documents, validated, updated all or nothing:
//! [`Engine::update_safety_thresholds`], [`Engine::update_safety_settings`]).
//! [`Config::enabled`] is the kill switch and [`Config::shadow_mode`] decides and
//! records without sending. The engine never changes its own configuration or modes.
//!
//! # Configuration
//!
//! A [`Config`] starts from a [`Profile`]: `seed` (the default: tiers 0.85 / 0.60 /
//! 0.40, strict) or `v1` (V1's 0.65 / 0.60 / 0.40, inclusive, and V1's increments).
//! It is plain data, validated when an engine is built or its configuration replaced,
//! with typed errors ([`Error::InvalidConfig`], [`Error::ThresholdsOutOfOrder`]).
//! [`Config::apply_partial`] merges a JSON patch (snake_case or camelCase keys; unknown
//! keys are [`Error::UnknownSetting`]), all or nothing. With
//! [`Config::target_precision`] the auto threshold is derived from the engine's own
//! record of approved and rejected suggestions.
//!
//! [`Environment`]s layer over the profile: `development` starts in shadow mode,
//! `staging` and `production` require 1 and 2 operator approvals before a pattern may
//! send automatically. [`Config::resolve`] layers profile → environment (the key
//! `environment`, or the variable `PATTERN_LEARNING_ENV`) → explicit settings, and
//! [`Config::explain`] prints every value with its source.
//!
//! ```
//! use pattern_learning::{Config, Engine};
//!
//! let explicit = serde_json::json!({"thresholds": {"auto": 0.9}});
//! let config = Config::resolve_with_env(&explicit, Some("production"))?;
//! assert_eq!(config.thresholds.auto, 0.9); // explicit settings win
//! assert_eq!(config.approvals_before_auto_send, 2);
//! assert!(config.explain().contains("environment production"));
//!
//! let engine = Engine::with_config(config)?;
//! let updated = engine.update_config(&serde_json::json!({"shadowMode": true}))?;
//! assert!(updated.shadow_mode);
//! assert!(engine.update_config(&serde_json::json!({"minConfidenceToAct": 0.99})).is_err());
//! # Ok::<(), pattern_learning::Error>(())
//! ```
//!
//! The embedder is chosen with [`EngineBuilder::embedder`]. The default,
//! [`embed::StaticEmbedder`], is a static token table distilled from the
//! sentence-transformer all-MiniLM-L6-v2 (256 dimensions, int8, inside the crate: no
//! file or network access). [`embed::HashedNgramEmbedder`] knows spelling only; callers
//! may pass their own vectors per message and per example. An embedder may bring its
//! own gates ([`embed::Embedder::tuned_gates`]).
//!
//! # Observability
//!
//! [`Engine::metrics`] returns a [`MetricsSnapshot`] (decisions per action and reason,
//! confidence histograms, automatic sends per hour, the judged precision of
//! suggestions, guard triggers, latency histograms, patterns by state), and
//! [`Engine::prometheus`] renders it as Prometheus text. [`Engine::subscribe`] and
//! [`Engine::subscribe_channel`] deliver every decision, feedback and alert
//! ([`events::Event`]) through bounded queues: a slow subscriber loses events (counted)
//! and never delays `process`. [`Engine::on_alert`] receives [`alerts::Alert`]s (a store
//! error, a guard tripping repeatedly, suggestion precision under its floor, the hourly
//! cap reached). With a `tracing` subscriber, `process` runs in a span with child spans
//! `safety`, `retrieval`, `scoring` and `guards`.
//!
//! ```
//! use pattern_learning::events::Event;
//! use pattern_learning::{Engine, MessageContext};
//!
//! let engine = Engine::new();
//! let (_subscription, events) = engine.subscribe_channel(1024);
//! engine.process("do you sell gift cards?", &MessageContext::new())?;
//! // Published before `process` returned, without waiting for the reader.
//! let Ok(Event::Decision(e)) = events.try_recv() else { panic!("a decision event") };
//! assert_eq!(e.decision.action.as_str(), "escalate");
//! assert_eq!(engine.metrics().decisions, 1);
//! assert!(engine.prometheus().contains("pattern_learning_decisions_total"));
//! # Ok::<(), pattern_learning::Error>(())
//! ```
//!
//! # Errors
//!
//! Every fallible call returns [`Result`] with one [`Error`] enum. Each variant says
//! what was wrong and, where there is one, what to do; [`Error::code`] is a stable
//! string (`INVALID_CONFIG`, `STORE_LOCKED`, …), the same code the Node package reports
//! and the Python package maps to one exception class per kind. The repository's
//! `docs/errors.md` lists every code with its Node and Python form.
//!
//! # Untrusted input
//!
//! Customer messages are untrusted. What [`Engine::process`] guarantees for any `&str`:
//!
//! - It does not panic. Every input gets a [`Decision`]; an error is returned only for
//!   a caller-supplied embedding of the wrong dimension or with non-finite values
//!   ([`Error::InvalidEmbedding`]), or when a store fails to record the decision (then
//!   nothing may be sent).
//! - The work per message is bounded. A message longer than
//!   [`Config::max_message_bytes`] (default 16 KiB, at most 1 MiB) is not analysed: it
//!   is handed to a human ([`Reason::MessageTooLong`]). Within the limit, normalisation
//!   and the safety rules take time linear in the message (sentiment rules run on the
//!   `regex` crate, which never backtracks, and a rule's compiled size is capped);
//!   analysis reads the first 256 words; at most 2 unknown words go through the typo
//!   lookup, with at most 2 edits; lexical retrieval scans at most 6,000 index entries;
//!   the vector search screens every row up to 2,048 rows and about 1,024 beyond; the
//!   built-in embedder reads at most 512 tokens.
//! - Text is never interpreted: values inserted into reply templates are not expanded
//!   again, and a reply that still contains `{{` is never sent.
//!
//! Feedback and pattern texts longer than the same limit are refused
//! ([`Error::TextTooLong`]). The fuzz targets, the hostile-input matrix (run through
//! Rust, Node and Python) and the property tests behind these guarantees are described
//! in the repository's `RELIABILITY.md`.
//!
//! # Feature flags
//!
//! - `postgres`: the PostgreSQL store (`store::PostgresStore`,
//!   `Engine::open_postgres`), shared by several engines.
//! - `minilm`: `embed::MiniLmEmbedder`, the full all-MiniLM-L6-v2 encoder run with
//!   `candle`, weights read at run time from a directory. Without the feature,
//!   [`embed::load_minilm`] returns [`Error::FeatureNotEnabled`].
//!
//! Neither is on by default; the default build reads no model file and has no tensor
//! library. SQLite is always included (bundled).
//!
//! # More
//!
//! - [`replay`] and [`sweep`]: the replay protocol that measures learning quality
//!   (`docs/replay-protocol.md` in the repository).
//! - [`v1`]: V1's service calls and result shapes, on an engine
//!   (`docs/v1-behaviour.md`: what is reproduced and what is deliberately fixed).
//! - The repository's `docs/design.md` explains why the engine decides as it does;
//!   `ARCHITECTURE.md` maps the code.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod alerts;
mod book;
mod calibrate;
pub mod clock;
pub mod config;
mod context;
pub mod decision;
mod decision_id;
pub mod embed;
mod engine;
pub mod error;
pub mod events;
pub mod feedback;
pub mod gates;
mod guards;
mod index;
mod key_hash;
pub mod learn;
pub mod metrics;
pub mod pattern;
mod pattern_map;
pub mod privacy;
pub mod replay;
pub mod report;
pub mod safety;
pub mod score;
pub mod signature;
pub mod store;
pub mod sweep;
pub mod template;
pub mod text;
mod tier;
mod unexplained;
pub mod v1;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

pub use book::{rebuild_from_history, ChangeKind, PatternEvent, PatternState};
pub use config::{Config, Environment, Profile};
pub use context::MessageContext;
pub use decision::{Action, Decision, Evidence, MatchKind, Outbound, OutboundKind, Reason};
pub use decision_id::{DecisionId, ParseDecisionIdError};
pub use engine::{
    BulkAction, BulkChange, BulkReport, Engine, EngineBuilder, ImportOptions, PatternApproval,
    Selection,
};
pub use error::{Error, Result};
pub use feedback::{Feedback, FeedbackAction, FeedbackOutcome};
pub use gates::{Gate, Gates};
pub use metrics::MetricsSnapshot;
pub use pattern::{NewPattern, Pattern, PatternFilter, PatternId, PatternUpdate, Provenance};
