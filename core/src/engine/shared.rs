//! Engines sharing one store: taking in the others' changes, and claiming sends.
//!
//! With a shared store ([`Store::is_shared`](crate::store::Store::is_shared)) the
//! engine pulls the changes other engines committed ([`Engine::refresh`]) before
//! every decision and before every change to patterns; a change refused because
//! another engine changed the same pattern first is run again on the fresh state
//! (see [`Engine::mutate`]); a decision that would auto-send is committed only with
//! a send claim the store grants (see [`Engine::persist_decision`]). With any other
//! store, or none, all of this costs a boolean test.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use parking_lot::RwLockUpgradableReadGuard;

use crate::book::PatternBook;
use crate::config::Config;
use crate::context::MessageContext;
use crate::decision::Decision;
use crate::error::Result;
use crate::guards::is_test_phone;
use crate::pattern::PatternId;
use crate::safety::{SafetyRules, SafetySettings, SafetyThresholds};
use crate::store::{SendClaim, SharedChanges};

use super::persist::{CONFIG_KEY, SETTINGS_KEY, THRESHOLDS_KEY};
use super::{Engine, SafetyState};

impl Engine {
    /// Takes in what other engines sharing this engine's store committed since the
    /// last look: patterns (reindexed), configuration, safety settings and
    /// conversation guard states. Returns whether anything changed.
    ///
    /// Engines on a shared store (PostgreSQL) call this by themselves before every
    /// decision and every change (at most once per `PostgresOptions::refresh_every`
    /// when that is set); call it to look now. Without a shared store it does nothing
    /// and returns `false`.
    pub fn refresh(&self) -> Result<bool> {
        let Some(store) = self.shared_store() else {
            return Ok(false);
        };
        // Readers keep matching while the store is asked; changes to patterns
        // (which need the write lock) wait, and so do guard checks (the turn), so
        // the store's record of what this engine has seen never runs ahead of the
        // book or of the conversation states in memory.
        let book = self.book.upgradable_read();
        let _turn = self.turn.lock();
        let Some(changes) = store.changes_now()? else {
            return Ok(false);
        };
        let mut book = RwLockUpgradableReadGuard::upgrade(book);
        self.take_in(&mut book, changes);
        Ok(true)
    }

    /// The store, when other engines share it.
    pub(super) fn shared_store(&self) -> Option<&Arc<dyn crate::store::Store>> {
        self.store.as_ref().filter(|s| s.is_shared())
    }

    /// Like [`Engine::refresh`], for a caller that holds the book's write lock.
    pub(super) fn refresh_locked(&self, book: &mut PatternBook) -> Result<()> {
        if let Some(store) = self.shared_store() {
            let _turn = self.turn.lock();
            if let Some(changes) = store.changes()? {
                self.take_in(book, changes);
            }
        }
        Ok(())
    }

    /// Applies other engines' changes (called in the engine's turn). A settings
    /// document that does not parse or validate (written by a newer library, say) is
    /// left out: the engine keeps the one in force.
    fn take_in(&self, book: &mut PatternBook, changes: SharedChanges) {
        // Approvals counted from a pattern's history are stale once it changed.
        for id in changes
            .removed_patterns
            .iter()
            .chain(changes.patterns.iter().map(|p| &p.id))
        {
            self.approvals.invalidate(*id);
        }
        self.calibration.lock().record_all(&changes.judgements);
        for id in changes.removed_patterns {
            book.drop_pattern(id);
        }
        let mut rejections: HashMap<PatternId, Vec<String>> = HashMap::new();
        for (id, message) in changes.rejections {
            rejections.entry(id).or_default().push(message);
        }
        let mut vectors: HashMap<PatternId, Vec<(u32, Vec<f32>)>> = HashMap::new();
        for v in changes.vectors {
            vectors
                .entry(v.pattern_id)
                .or_default()
                .push((v.example_index, v.vector));
        }
        for p in changes.patterns {
            let id = p.id;
            book.sync(
                p,
                rejections.remove(&id).unwrap_or_default(),
                vectors.remove(&id).unwrap_or_default(),
            );
        }
        if let Some(config) = changes
            .settings
            .get(CONFIG_KEY)
            .and_then(|v| serde_json::from_value::<Config>(v.clone()).ok())
            .filter(|c| c.validate().is_ok())
        {
            *self.config.write() = Arc::new(config);
        }
        let thresholds = changes
            .settings
            .get(THRESHOLDS_KEY)
            .and_then(|v| serde_json::from_value::<SafetyThresholds>(v.clone()).ok());
        let settings = changes
            .settings
            .get(SETTINGS_KEY)
            .and_then(|v| serde_json::from_value::<SafetySettings>(v.clone()).ok());
        if thresholds.is_some() || settings.is_some() {
            let mut safety = self.safety.write();
            let thresholds = thresholds.unwrap_or_else(|| safety.thresholds.clone());
            let settings = settings.unwrap_or_else(|| safety.settings.clone());
            if let Ok(rules) = SafetyRules::new(&thresholds, &settings) {
                *safety = SafetyState {
                    thresholds,
                    settings,
                    rules: Arc::new(rules),
                };
            }
        }
        self.guards.restore(&changes.conversations);
        if let Some(kept) = &changes.kept_conversations {
            self.forget_erased(kept);
        }
    }

    /// Another engine erased or expired customer data: forgets the conversations
    /// the store no longer keeps (`kept` are those it does), and the decisions kept
    /// for duplicate message ids (the store refuses duplicates itself). The
    /// patterns came rewritten with the other changes.
    fn forget_erased(&self, kept: &BTreeSet<String>) {
        self.guards.forget_where(|id| !kept.contains(id));
        self.seen_messages
            .lock()
            .forget_decisions(Some(&HashSet::new()));
    }

    /// The claim an automatic send must win in a shared store, with the caps that
    /// hold across engines (the test numbers of the configuration bypass the
    /// per-conversation caps, as they bypass the in-memory guards).
    pub(super) fn send_claim(&self, d: &Decision, ctx: &MessageContext, sends: bool) -> SendClaim {
        let config = self.config.read().clone();
        let thresholds = self.safety.read().thresholds.clone();
        let bypass = is_test_phone(&config, ctx.phone.as_deref());
        SendClaim {
            at: self.clock.now(),
            message_id: ctx.message_id.clone(),
            conversation_id: ctx.conversation_id.clone(),
            pattern_id: d.pattern_id,
            sends,
            max_sends_per_hour: config.guards.max_auto_sends_per_hour,
            max_replies_per_conversation: (thresholds.ai_response_limit_enabled && !bypass)
                .then_some(thresholds.ai_response_limit),
            max_pattern_uses_per_conversation: (!bypass)
                .then_some(config.guards.max_pattern_uses_per_conversation),
        }
    }
}
