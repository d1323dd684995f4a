//! Issue 11: `tracing` spans around the steps of a decision.
//!
//! In a file of its own: `tracing` caches per call site whether anyone listens,
//! and other tests' threads hitting the same call sites without a subscriber
//! would race with the scoped subscriber installed here.

use std::sync::Arc;

use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::safety::SafetySettings;
use pattern_learning::{Config, Engine, Feedback, MessageContext, PatternUpdate};

const GIFT: &str = "Yes! Gift cards are sold online, from $25 to $500.";

fn trusted_engine() -> Engine {
    // The spans are under test, not the approval rule: V1's approvalThreshold is off.
    let settings = SafetySettings {
        require_approval_for_new: false,
        ..SafetySettings::default()
    };
    let engine = Engine::builder()
        .config(Config::default())
        .safety_settings(settings)
        .clock(Arc::new(ManualClock::new(Timestamp(1_700_000_000_000))))
        .build()
        .unwrap();
    let mut id = None;
    for p in [
        "do you sell gift cards",
        "can i buy a gift card",
        "do you have gift cards for sale",
        "where can i buy a gift card",
        "i want to buy a gift card for my dad",
        "are gift cards available",
    ] {
        id = engine
            .feedback(&Feedback::answer(p, GIFT))
            .unwrap()
            .learned_pattern;
    }
    let id = id.unwrap();
    engine
        .update_pattern(
            id,
            PatternUpdate {
                confidence: Some(1.0),
                ..Default::default()
            },
        )
        .unwrap();
    engine.set_auto_executable(id, true).unwrap();
    engine
}

mod spans {
    //! A minimal `tracing` subscriber that records span names and fields.
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// Recorded spans: name and `(field, value)` pairs, in creation order.
    pub type Spans = Arc<Mutex<Vec<(String, Vec<(String, String)>)>>>;

    #[derive(Default)]
    pub struct Recorder {
        next: AtomicU64,
        pub spans: Spans,
    }

    struct Fields<'a>(&'a mut Vec<(String, String)>);
    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.push((field.name().into(), format!("{value:?}")));
        }
    }

    impl Subscriber for Recorder {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut fields = Vec::new();
            span.record(&mut Fields(&mut fields));
            let mut spans = self.spans.lock().unwrap();
            spans.push((span.metadata().name().into(), fields));
            self.next.fetch_add(1, Ordering::SeqCst);
            Id::from_u64(spans.len() as u64)
        }
        fn record(&self, span: &Id, values: &Record<'_>) {
            let mut spans = self.spans.lock().unwrap();
            let entry = &mut spans[span.into_u64() as usize - 1];
            values.record(&mut Fields(&mut entry.1));
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

#[test]
fn tracing_spans_explain_the_decision() {
    let engine = trusted_engine();
    let recorder = spans::Recorder::default();
    let spans = recorder.spans.clone();
    tracing::subscriber::with_default(recorder, || {
        engine
            .process("do you sell gift cards", &MessageContext::new())
            .unwrap();
    });
    let spans = spans.lock().unwrap();
    let names: Vec<&str> = spans.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["process", "safety", "retrieval", "scoring", "guards"]
    );
    let field = |span: &str, key: &str| {
        spans
            .iter()
            .find(|(n, _)| n == span)
            .and_then(|(_, f)| f.iter().rev().find(|(k, _)| k == key))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        field("process", "action").as_deref(),
        Some("\"auto_execute\"")
    );
    assert_eq!(
        field("process", "reason").as_deref(),
        Some("\"confident_match\"")
    );
    assert_eq!(field("scoring", "gates_passed").as_deref(), Some("true"));
    assert_eq!(field("guards", "outcome").as_deref(), Some("\"allow\""));
    assert!(field("retrieval", "candidates").is_some());
}
