//! Events: every decision, every feedback and every alert, delivered to
//! subscribers without ever slowing or breaking the engine.
//!
//! Each subscriber has its own bounded queue. Publishing is a non-blocking
//! `try_send`: when a queue is full the event is dropped for that subscriber and
//! counted ([`Subscription::dropped`], and `events_dropped` in the metrics). A
//! callback subscriber runs on its own thread; a callback that panics is caught
//! and counted ([`Subscription::failed`]) and the next event is delivered as
//! usual. With no subscriber, publishing costs one atomic load.
//!
//! # Example
//! ```
//! use std::sync::{Arc, Mutex};
//! use pattern_learning::events::Event;
//! use pattern_learning::{Engine, MessageContext};
//!
//! let engine = Engine::new();
//! // A channel subscriber: read events where you like.
//! let (_sub, events) = engine.subscribe_channel(1024);
//! engine.process("do you sell gift cards?", &MessageContext::new()).unwrap();
//! match events.recv().unwrap() {
//!     Event::Decision(d) => assert_eq!(d.decision.action.as_str(), "escalate"),
//!     other => panic!("{other:?}"),
//! }
//! // A callback subscriber: runs on its own thread.
//! let seen = Arc::new(Mutex::new(0));
//! let counter = seen.clone();
//! let sub = engine.subscribe(1024, move |_event| *counter.lock().unwrap() += 1);
//! engine.process("hello", &MessageContext::new()).unwrap();
//! sub.flush();
//! assert_eq!(*seen.lock().unwrap(), 1);
//! ```

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Weak};

use parking_lot::{Condvar, Mutex, RwLock};
use serde::Serialize;

use crate::alerts::Alert;
use crate::clock::Timestamp;
use crate::decision::Decision;
use crate::decision_id::DecisionId;
use crate::feedback::{FeedbackAction, FeedbackOutcome};
use crate::pattern::PatternId;

/// One decision returned by `process`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionEvent {
    /// The decision, as returned to the caller.
    pub decision: Decision,
    /// Time spent in `process`, µs.
    pub latency_us: f64,
    /// When it was decided (engine clock).
    pub at: Timestamp,
}

/// One feedback call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackEvent {
    /// The operator's action (`None` when the feedback could not be read).
    pub action: Option<FeedbackAction>,
    /// The pattern judged or learned, if any.
    pub pattern_id: Option<PatternId>,
    /// The decision the feedback refers to, if given.
    pub decision_id: Option<DecisionId>,
    /// What the feedback changed (`None` when it failed).
    pub outcome: Option<FeedbackOutcome>,
    /// The error code when the call failed (`INVALID_FEEDBACK`, `STORE_ERROR`, …).
    pub error: Option<String>,
    /// Time spent in `feedback`, µs.
    pub latency_us: f64,
    /// When it was recorded (engine clock).
    pub at: Timestamp,
}

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A decision.
    Decision(Arc<DecisionEvent>),
    /// A feedback call.
    Feedback(Arc<FeedbackEvent>),
    /// An alert (see [`crate::alerts`]).
    Alert(Arc<Alert>),
}

impl Event {
    /// `decision`, `feedback` or `alert`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Decision(_) => "decision",
            Event::Feedback(_) => "feedback",
            Event::Alert(_) => "alert",
        }
    }
}

#[derive(Debug, Default)]
struct Stats {
    delivered: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
    /// Events handed to the subscriber's thread but not finished yet.
    pending: Mutex<u64>,
    idle: Condvar,
}

#[derive(Debug)]
struct Sink {
    id: u64,
    tx: SyncSender<Event>,
    stats: Arc<Stats>,
    /// The callback thread counts `pending`; a channel has no thread.
    counted: bool,
}

#[derive(Debug, Default)]
pub(crate) struct BusInner {
    sinks: RwLock<Vec<Sink>>,
    active: AtomicBool,
    next_id: AtomicU64,
    dropped: AtomicU64,
}

/// The subscribers of one engine.
#[derive(Debug, Default)]
pub(crate) struct EventBus {
    inner: Arc<BusInner>,
}

impl EventBus {
    /// True when someone listens (publishers skip building events otherwise).
    #[inline]
    pub fn is_active(&self) -> bool {
        self.inner.active.load(Ordering::Relaxed)
    }

    /// Events dropped for full queues, over all subscribers ever.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// Delivers `event` to every subscriber without blocking.
    pub fn publish(&self, event: Event) {
        if !self.is_active() {
            return;
        }
        let mut gone = Vec::new();
        {
            let sinks = self.inner.sinks.read();
            for sink in sinks.iter() {
                if sink.counted {
                    *sink.stats.pending.lock() += 1;
                }
                match sink.tx.try_send(event.clone()) {
                    Ok(()) => {
                        if !sink.counted {
                            sink.stats.delivered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(e) => {
                        if sink.counted {
                            let mut pending = sink.stats.pending.lock();
                            *pending -= 1;
                            if *pending == 0 {
                                sink.stats.idle.notify_all();
                            }
                        }
                        match e {
                            TrySendError::Full(_) => {
                                sink.stats.dropped.fetch_add(1, Ordering::Relaxed);
                                self.inner.dropped.fetch_add(1, Ordering::Relaxed);
                            }
                            TrySendError::Disconnected(_) => gone.push(sink.id),
                        }
                    }
                }
            }
        }
        for id in gone {
            self.inner.remove(id);
        }
    }

    fn add(&self, capacity: usize, counted: bool) -> (Subscription, Receiver<Event>) {
        let (tx, rx) = mpsc::sync_channel(capacity.max(1));
        let stats = Arc::new(Stats::default());
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let mut sinks = self.inner.sinks.write();
        sinks.push(Sink {
            id,
            tx,
            stats: stats.clone(),
            counted,
        });
        self.inner.active.store(true, Ordering::Relaxed);
        drop(sinks);
        (
            Subscription {
                id,
                bus: Arc::downgrade(&self.inner),
                stats,
            },
            rx,
        )
    }

    /// A subscriber reading from a channel of `capacity` events.
    pub fn subscribe_channel(&self, capacity: usize) -> (Subscription, Receiver<Event>) {
        self.add(capacity, false)
    }

    /// A subscriber whose `callback` runs on its own thread.
    pub fn subscribe<F>(&self, capacity: usize, mut callback: F) -> Subscription
    where
        F: FnMut(&Event) + Send + 'static,
    {
        let (sub, rx) = self.add(capacity, true);
        let stats = sub.stats.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("pattern-learning-events-{}", sub.id))
            .spawn(move || {
                while let Ok(event) = rx.recv() {
                    match catch_unwind(AssertUnwindSafe(|| callback(&event))) {
                        Ok(()) => stats.delivered.fetch_add(1, Ordering::Relaxed),
                        Err(_) => stats.failed.fetch_add(1, Ordering::Relaxed),
                    };
                    let mut pending = stats.pending.lock();
                    *pending = pending.saturating_sub(1);
                    if *pending == 0 {
                        stats.idle.notify_all();
                    }
                }
            });
        if spawned.is_err() {
            // No thread: the subscription delivers nothing rather than failing
            // the caller; its queue fills and drops are counted.
            sub.stats.failed.fetch_add(1, Ordering::Relaxed);
        }
        sub
    }
}

impl BusInner {
    fn remove(&self, id: u64) {
        let mut sinks = self.sinks.write();
        sinks.retain(|s| s.id != id);
        self.active.store(!sinks.is_empty(), Ordering::Relaxed);
    }
}

/// A live subscription. Dropping it keeps the subscriber; call
/// [`Subscription::unsubscribe`] to stop deliveries.
#[derive(Debug)]
pub struct Subscription {
    id: u64,
    bus: Weak<BusInner>,
    stats: Arc<Stats>,
}

impl Subscription {
    /// Stops deliveries; a callback thread ends after the events already queued.
    pub fn unsubscribe(&self) {
        if let Some(bus) = self.bus.upgrade() {
            bus.remove(self.id);
        }
    }

    /// Events delivered (callback returned, or placed in the channel).
    pub fn delivered(&self) -> u64 {
        self.stats.delivered.load(Ordering::Relaxed)
    }

    /// Events dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.stats.dropped.load(Ordering::Relaxed)
    }

    /// Callback calls that panicked.
    pub fn failed(&self) -> u64 {
        self.stats.failed.load(Ordering::Relaxed)
    }

    /// Waits until a callback subscriber has handled every event queued so far
    /// (returns at once for a channel subscriber). For tests and orderly
    /// shutdown; never called by the engine.
    pub fn flush(&self) {
        let mut pending = self.stats.pending.lock();
        while *pending > 0 {
            self.stats.idle.wait(&mut pending);
        }
    }
}
