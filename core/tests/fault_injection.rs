//! Issue 24: the store fails on the n-th write, for every n of a short run; the
//! engine that saw the failure and an engine reopened on the store afterwards then
//! answer every probe alike (patterns, settings, what is sent or locked in each
//! conversation, duplicate messages and feedback). So a failed write leaves memory
//! exactly as the store has it.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use pattern_learning::clock::ManualClock;
use pattern_learning::store::Commit;
use pattern_learning::{
    Engine, Error, Feedback, MessageContext, NewPattern, PatternFilter, PatternId,
};
use serde_json::json;
use support::{CommitGate, GatedStore, PHRASINGS, REPLY, START};

/// Fails the `n`-th commit (counting from 1), once; 0 never fails.
#[derive(Debug, Default)]
struct FailNth {
    n: usize,
    seen: AtomicUsize,
}

impl CommitGate for FailNth {
    fn check(&self, _commit: &Commit) -> pattern_learning::Result<()> {
        if self.seen.fetch_add(1, Ordering::SeqCst) + 1 == self.n {
            return Err(Error::Store {
                operation: "commit".into(),
                reason: "injected failure".into(),
            });
        }
        Ok(())
    }
}

type Store = GatedStore<FailNth>;

fn engine(store: &Arc<Store>, clock: &ManualClock) -> Engine {
    Engine::builder()
        .store(store.clone())
        .clock(Arc::new(clock.clone()))
        .build()
        .expect("the engine builds")
}

fn ctx(conversation: usize, message: usize) -> MessageContext {
    MessageContext::new()
        .conversation(format!("c{conversation}"))
        .message_id(format!("m{message}"))
}

/// A short run that writes every kind of state; every call may fail (the injected
/// failure) and the run goes on. Returns how many calls failed.
fn run(e: &Engine, clock: &ManualClock) -> usize {
    let mut failed = 0;
    let mut ok = |r: pattern_learning::Result<()>| failed += usize::from(r.is_err());
    ok(
        e.update_safety_thresholds(&json!({"rapidMessageEnabled": false}))
            .map(drop),
    );
    let created = e.create_pattern(
        NewPattern::new(PHRASINGS, REPLY)
            .confidence(1.0)
            .auto_executable(true),
    );
    let p = created.as_ref().map_or(PatternId(1), |p| p.id);
    ok(created.map(drop));
    for k in 0..5 {
        let mut f = Feedback::approve(format!("setup approval {k}"), p);
        f.id = Some(format!("fb-{k}"));
        ok(e.feedback(&f).map(drop));
    }
    let mut last = None;
    // One message in each of six conversations (a failed write's guard change
    // could not hide behind a later decision's in the same conversation), then a
    // second one in the first.
    for i in 0..7 {
        clock.advance_secs(30);
        let d = e.process(PHRASINGS[i % PHRASINGS.len()], &ctx(i % 6, i));
        last = d.as_ref().ok().map(|d| d.id).or(last);
        ok(d.map(drop));
    }
    ok(e.record_operator_message("c1", Some(PHRASINGS[0])));
    let mut by_decision = Feedback::approve("zebra quartz violin", p);
    by_decision.pattern_id = None;
    by_decision.decision_id = last;
    ok(e.feedback(&by_decision).map(drop));
    let mut reject = Feedback::reject("walnut harbour pepper", p, None);
    reject.id = Some("fb-reject".into());
    ok(e.feedback(&reject).map(drop));
    ok(e.update_config(&json!({"enabled": false})).map(drop));
    ok(
        e.update_config(&json!({"enabled": true, "guards": {"maxAutoSendsPerHour": 2}}))
            .map(drop),
    );
    failed
}

/// What an engine answers: its patterns and settings, then what it decides for a
/// probe in each conversation, for each message id and feedback id used before.
fn probe(e: &Engine, clock: &ManualClock) -> Vec<String> {
    let mut answers: Vec<String> = e
        .patterns(PatternFilter::all())
        .iter()
        .map(|p| {
            format!(
                "pattern {} c={} e={} s={} f={} examples={} active={} auto={}",
                p.id,
                p.confidence,
                p.execution_count,
                p.success_count,
                p.failure_count,
                p.trigger_examples.len(),
                p.is_active,
                p.auto_executable
            )
        })
        .collect();
    let config = e.config();
    answers.push(format!(
        "enabled={} cap={:?}",
        config.enabled, config.guards.max_auto_sends_per_hour
    ));
    answers.push(format!("{:?}", e.safety_thresholds().rapid_message_enabled));
    clock.advance_secs(60);
    for c in 0..7 {
        let d = e.process(PHRASINGS[0], &ctx(c, 100 + c));
        answers.push(format!("probe c{c}: {:?}", d.map(|d| (d.action, d.reason))));
    }
    for m in 0..7 {
        let d = e.process(PHRASINGS[0], &ctx(0, m));
        answers.push(format!("message m{m}: {:?}", d.map(|d| d.reason)));
    }
    for id in ["fb-0", "fb-4", "fb-reject"] {
        let mut f = Feedback::approve("pepper nebula", PatternId(1));
        f.id = Some(id.into());
        let outcome = e.feedback(&f).map(|o| o.duplicate);
        answers.push(format!("feedback {id}: duplicate {outcome:?}"));
    }
    answers
}

/// The run with the `n`-th write failing, then the probes: on the same engine, or
/// (`reopen`) on an engine opened on the store afterwards.
fn answers(n: usize, reopen: bool) -> (Vec<String>, usize, usize) {
    let store = Arc::new(Store {
        gate: FailNth {
            n,
            seen: AtomicUsize::new(0),
        },
        ..Store::default()
    });
    let clock = ManualClock::new(START);
    let first = engine(&store, &clock);
    let failed = run(&first, &clock);
    let writes = store.gate.seen.load(Ordering::SeqCst);
    let answers = if reopen {
        drop(first);
        probe(&engine(&store, &clock), &clock)
    } else {
        probe(&first, &clock)
    };
    (answers, failed, writes)
}

#[test]
fn after_a_failed_write_memory_equals_the_store_for_every_write_of_a_run() {
    let (clean, failed, writes) = answers(0, false);
    assert_eq!(failed, 0);
    assert!(writes > 15, "the run writes {writes} times");
    let mut changed = 0;
    for n in 1..=writes {
        let (seen, failed, _) = answers(n, false);
        let (reopened, _, _) = answers(n, true);
        // The call whose write failed fails; later ones may too (feedback on a
        // pattern whose creation failed).
        assert!(
            failed >= 1,
            "write {n}: the call whose write failed reports it"
        );
        assert_eq!(
            seen, reopened,
            "write {n} failed: the engine that saw it and a reopened one differ"
        );
        changed += usize::from(seen != clean);
    }
    assert!(
        changed * 2 > writes,
        "most failures must change the outcome ({changed} of {writes})"
    );
    println!("fault injection: {writes} runs, each with one of the {writes} writes failing");
}
