//! Engine configuration in JavaScript's camelCase (mirrors `core/src/config.rs`).
//!
//! Output is a typed object; input is a partial object (camelCase or snake_case,
//! nested or dotted keys) that the core merges and validates
//! ([`pl::Config::requested`], [`pl::Config::apply_partial`]), so unknown keys,
//! wrong types and out-of-range values get the core's typed errors, the same as in
//! Python.

use napi_derive::napi;
use pattern_learning::config as pl;

use crate::decision::count;

/// A named starting point for a configuration.
#[napi(string_enum = "lowercase")]
pub enum Profile {
    /// The recommended defaults (tiers 0.85 / 0.60 / 0.40, strict).
    Seed,
    /// V1's last code defaults (tiers 0.65 / 0.60 / 0.40, inclusive; V1's increments).
    V1,
}

impl From<pl::Profile> for Profile {
    fn from(p: pl::Profile) -> Self {
        match p {
            pl::Profile::Seed => Profile::Seed,
            pl::Profile::V1 => Profile::V1,
        }
    }
}

/// Decision tiers on the decision confidence.
#[napi(object)]
pub struct Thresholds {
    /// Auto-execute at or above (`inclusive`) / above this, if every gate passes.
    pub auto: f64,
    /// Suggest to an operator above this.
    pub suggest: f64,
    /// Queue for review above this; below: escalate.
    pub queue: f64,
    /// Compare with `>=` (V1) instead of `>` (seed).
    pub inclusive: bool,
}

/// How operator reactions move a pattern's confidence.
#[napi(object)]
pub struct LearningRates {
    /// Added on approval.
    pub approve: f64,
    /// Added when approved with edits.
    pub modify: f64,
    /// Subtracted on rejection.
    pub reject: f64,
    /// Added when an operator answers with a reply the pattern already carries.
    pub answer: f64,
    /// Confidence of a pattern created from an operator answer.
    pub initial_learned: f64,
    /// Confidence of a pattern created through pattern management, unless given.
    pub initial_manual: f64,
}

/// When a pattern becomes auto-executable without an explicit approval.
#[napi(object)]
pub struct Promotion {
    /// Promote automatically at all.
    pub enabled: bool,
    /// Pattern confidence must be above this.
    pub min_confidence: f64,
    /// Confirmed executions must be more than this.
    pub min_executions: f64,
}

/// The gates an automatic send must pass besides the confidence threshold.
#[napi(object)]
pub struct Gates {
    /// Nearest trigger examples that must all carry the proposed reply.
    pub neighbours: u32,
    /// Similarity lead of the best reply over the best different reply.
    pub min_margin: f64,
    /// Similarity the best example must reach (default 0.5).
    pub min_similarity: f64,
    /// Times operators must have sent (or approved) the reply.
    pub min_support: f64,
    /// A lead over the best different reply this wide lets `clearLeadDissent` neighbours disagree.
    pub clear_lead: f64,
    /// Nearest examples that may carry other replies when the reply leads by `clearLead`.
    pub clear_lead_dissent: u32,
    /// Weight of the embedder's cosine in the similarity.
    pub semantic_weight: f64,
    /// Most words of the message the proposed reply does not explain (default 1).
    pub max_unexplained_words: u32,
    /// A word in at most this many examples is rare (default 5).
    pub rare_word_examples: u32,
    /// A word whose examples are one other reply's at this share is that reply's (default 0.3).
    pub foreign_word_share: f64,
    /// A neighbour's word this close in the built-in table explains a word (default 0.6).
    pub close_word_similarity: f64,
}

/// Limits on automatic sending, plus V1's test-number bypass.
#[napi(object, use_nullable = true)]
pub struct GuardLimits {
    /// Most automatic sends per rolling hour across all conversations (`null`: no cap).
    pub max_auto_sends_per_hour: Option<u32>,
    /// Times one pattern may auto-reply within one conversation.
    pub max_pattern_uses_per_conversation: u32,
    /// Phone numbers that bypass the conversation guards (V1 `V3PLS_TEST_PHONES`).
    pub test_phones: Vec<String>,
}

/// When alerts are raised.
#[napi(object, use_nullable = true)]
pub struct AlertRules {
    /// Alert when the judged precision of suggestions falls under this (`null`: never).
    pub precision_floor: Option<f64>,
    /// Judged suggestions needed before the precision alert can fire.
    pub precision_min_judged: f64,
    /// Triggers of one guard within the window that raise an alert (0: never).
    pub guard_repeat: u32,
    /// The window of `guardRepeat`, in seconds.
    pub guard_window_secs: u32,
}

/// How long decisions keep customer data.
#[napi(object, use_nullable = true)]
pub struct Retention {
    /// Days a decision keeps its message, ids, reply and evidence texts (`null`: until
    /// erased); conversation states not seen for as long are deleted.
    pub decision_days: Option<u32>,
    /// Also apply it when an engine opens its store.
    pub on_open: bool,
}

/// Engine configuration.
#[napi(object, use_nullable = true)]
pub struct Config {
    /// The profile these values started from.
    pub profile: Profile,
    /// Master switch. Disabled ⇒ no outbound message of any kind.
    pub enabled: bool,
    /// Decide and record, send nothing.
    pub shadow_mode: bool,
    /// Decision tiers.
    pub thresholds: Thresholds,
    /// Confidence changes from operator reactions.
    pub learning: LearningRates,
    /// Automatic promotion to auto-executable.
    pub promotion: Promotion,
    /// Auto-send gates.
    pub gates: Gates,
    /// Conversation-independent send limits.
    pub guards: GuardLimits,
    /// Target precision of automatic sends (derives the auto threshold), or `null`.
    pub target_precision: Option<f64>,
    /// Longest message (bytes) that is matched; longer ones go to a human.
    pub max_message_bytes: u32,
    /// Signature of automatic replies; replies carrying it are never learned.
    pub ai_signature: Option<String>,
    /// The environment whose overlay was applied, or `null`.
    #[napi(ts_type = "'development' | 'staging' | 'production'")]
    pub environment: Option<String>,
    /// Operator approvals (approve / modify) a pattern needs before it may ever
    /// auto-send (production 2, staging 1).
    pub approvals_before_auto_send: u32,
    /// When alerts are raised.
    pub alerts: AlertRules,
    /// How long decisions keep customer data.
    pub retention: Retention,
}

impl From<pl::Config> for Config {
    fn from(c: pl::Config) -> Self {
        let pl::Config {
            profile,
            enabled,
            shadow_mode,
            thresholds,
            learning,
            promotion,
            gates,
            guards,
            target_precision,
            max_message_bytes,
            ai_signature,
            environment,
            approvals_before_auto_send,
            alerts,
            retention,
        } = c;
        Config {
            profile: profile.into(),
            enabled,
            shadow_mode,
            thresholds: Thresholds {
                auto: thresholds.auto,
                suggest: thresholds.suggest,
                queue: thresholds.queue,
                inclusive: thresholds.inclusive,
            },
            learning: LearningRates {
                approve: learning.approve,
                modify: learning.modify,
                reject: learning.reject,
                answer: learning.answer,
                initial_learned: learning.initial_learned,
                initial_manual: learning.initial_manual,
            },
            promotion: Promotion {
                enabled: promotion.enabled,
                min_confidence: promotion.min_confidence,
                min_executions: promotion.min_executions as f64,
            },
            gates: Gates {
                neighbours: count(gates.neighbours),
                min_margin: gates.min_margin,
                min_similarity: gates.min_similarity,
                min_support: gates.min_support as f64,
                clear_lead: gates.clear_lead,
                clear_lead_dissent: count(gates.clear_lead_dissent),
                semantic_weight: gates.semantic_weight,
                max_unexplained_words: count(gates.max_unexplained_words),
                rare_word_examples: count(gates.rare_word_examples),
                foreign_word_share: gates.foreign_word_share,
                close_word_similarity: gates.close_word_similarity,
            },
            guards: GuardLimits {
                max_auto_sends_per_hour: guards.max_auto_sends_per_hour,
                max_pattern_uses_per_conversation: guards.max_pattern_uses_per_conversation,
                test_phones: guards.test_phones,
            },
            target_precision,
            max_message_bytes: count(max_message_bytes),
            ai_signature,
            environment: environment.map(|e| e.as_str().to_owned()),
            approvals_before_auto_send,
            alerts: AlertRules {
                precision_floor: alerts.precision_floor,
                precision_min_judged: alerts.precision_min_judged as f64,
                guard_repeat: alerts.guard_repeat,
                guard_window_secs: alerts.guard_window_secs,
            },
            retention: Retention {
                decision_days: retention.decision_days,
                on_open: retention.on_open,
            },
        }
    }
}
