//! Concurrency load test: eight threads process messages and send feedback at once
//! on one `Arc<Engine>`, for a bounded number of iterations (no wall-clock
//! assertions). Checks:
//!
//! - no deadlock: every thread finishes (the test returns);
//! - no lost update: the sum of `execution_count` increments over all patterns
//!   equals, exactly, the number of approve / answer feedbacks that succeeded and
//!   were not duplicates (a learned pattern is born with `execution_count == 1`),
//!   and the sum of `failure_count` increments equals the rejections;
//! - duplicate feedback ids are claimed by exactly one thread;
//! - the history holds exactly one event per change: the seed creations, one per
//!   successful feedback, and one per promotion;
//! - replaying the history gives the live patterns.
//!
//! See RELIABILITY.md.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::{
    rebuild_from_history, Engine, Feedback, FeedbackAction, MessageContext, NewPattern,
    PatternFilter, PatternId,
};

const THREADS: usize = 8;
const ITERATIONS: usize = 120;

const SEEDS: [(&[&str], &str); 4] = [
    (
        &[
            "i can't log in to the trackman",
            "trackman login is not working",
        ],
        "Tap 'Guest' on the login screen to play without an account.",
    ),
    (
        &["what are your hours", "what time do you open"],
        "We are open 6am to 11pm every day.",
    ),
    (
        &["do you sell gift cards", "can i buy a gift certificate"],
        "Yes! Gift cards are sold online at {{booking_link|our website}}.",
    ),
    (
        &["the door won't open", "door code is not working"],
        "Hi {{customer_name|there}}, the door code was sent by text.",
    ),
];

const MESSAGES: [&str; 10] = [
    "i can't log in to the trackman",
    "trackman login broken again",
    "what are your hours today",
    "when do you open tomorrow",
    "do you sell gift cards?",
    "gift certificate for my dad",
    "the door won't open",
    "door code not working",
    "can i bring my own clubs",
    "is there parking nearby",
];

#[derive(Default, Debug)]
struct Tally {
    /// Successful, non-duplicate approve + answer feedbacks.
    executions: u64,
    /// Successful, non-duplicate rejections.
    rejections: u64,
    /// Successful, non-duplicate feedbacks of any kind (one history event each).
    changes: u64,
    /// Promotions reported by feedback outcomes (one extra history event each).
    promotions: u64,
    /// Duplicate feedback ids this thread won.
    claimed: Vec<String>,
    duplicates: u64,
}

#[test]
fn concurrent_process_and_feedback_lose_nothing() {
    let clock = ManualClock::new(Timestamp(1_767_225_600_000));
    let engine = Arc::new(
        Engine::builder()
            .clock(Arc::new(clock.clone()))
            .build()
            .unwrap(),
    );
    let seeds: Vec<PatternId> = SEEDS
        .iter()
        .map(|(examples, reply)| {
            engine
                .create_pattern(NewPattern::new(examples.iter().copied(), *reply).confidence(0.7))
                .unwrap()
                .id
        })
        .collect();
    let failures_before: u64 = engine
        .patterns(PatternFilter::all())
        .iter()
        .map(|p| p.failure_count)
        .sum();
    let executions_before: u64 = engine
        .patterns(PatternFilter::all())
        .iter()
        .map(|p| p.execution_count)
        .sum();
    let history_before = engine.full_history().unwrap().len() as u64;
    assert_eq!(history_before, seeds.len() as u64);

    let barrier = Arc::new(Barrier::new(THREADS));
    let claimed_ids = Arc::new(Mutex::new(Vec::<String>::new()));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let engine = Arc::clone(&engine);
            let barrier = Arc::clone(&barrier);
            let seeds = seeds.clone();
            let claimed_ids = Arc::clone(&claimed_ids);
            thread::spawn(move || {
                let mut tally = Tally::default();
                barrier.wait();
                for i in 0..ITERATIONS {
                    let message = format!("{} #{}", MESSAGES[(t * 3 + i) % MESSAGES.len()], i % 7);
                    let ctx = MessageContext::new()
                        .conversation(format!("t{t}-c{}", i % 5))
                        .customer_name("Sam");
                    let decision = engine.process(&message, &ctx).unwrap();
                    assert!(decision.confidence.is_finite());
                    assert!((0.0..=1.0).contains(&decision.confidence));

                    let mut feedback = match i % 5 {
                        0 | 1 => Feedback::approve(
                            &message,
                            decision.pattern_id.unwrap_or(seeds[(t + i) % seeds.len()]),
                        ),
                        2 => Feedback::answer(&message, SEEDS[(t + i) % SEEDS.len()].1),
                        3 => Feedback::answer(
                            &message,
                            format!("Thread {} says: bay {} is reset now.", t % 3, i % 4),
                        ),
                        _ => Feedback::reject(&message, seeds[(t * 5 + i) % seeds.len()], None),
                    };
                    // Every thread sends feedback with the same ids every 10th
                    // iteration: exactly one delivery of each may count.
                    if i % 10 == 0 {
                        feedback.id = Some(format!("shared-{i}"));
                    }
                    let action = feedback.resolved_action().unwrap();
                    let outcome = engine.feedback(&feedback).unwrap_or_else(|e| {
                        panic!("thread {t} iteration {i}: {e} for {feedback:?}")
                    });
                    if outcome.duplicate {
                        tally.duplicates += 1;
                        continue;
                    }
                    if let Some(id) = &feedback.id {
                        tally.claimed.push(id.clone());
                    }
                    tally.changes += 1;
                    if outcome.promoted {
                        tally.promotions += 1;
                    }
                    if matches!(action, FeedbackAction::Approve | FeedbackAction::Answer) {
                        tally.executions += 1;
                    }
                    if action == FeedbackAction::Reject {
                        tally.rejections += 1;
                    }
                }
                claimed_ids
                    .lock()
                    .unwrap()
                    .extend(tally.claimed.iter().cloned());
                tally
            })
        })
        .collect();

    let tallies: Vec<Tally> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let executions: u64 = tallies.iter().map(|t| t.executions).sum();
    let changes: u64 = tallies.iter().map(|t| t.changes).sum();
    let promotions: u64 = tallies.iter().map(|t| t.promotions).sum();
    let rejections: u64 = tallies.iter().map(|t| t.rejections).sum();
    let duplicates: u64 = tallies.iter().map(|t| t.duplicates).sum();

    // Each shared id was won by exactly one thread.
    let claimed = claimed_ids.lock().unwrap().clone();
    let unique: HashSet<_> = claimed.iter().collect();
    assert_eq!(
        unique.len(),
        claimed.len(),
        "a feedback id was applied twice"
    );
    assert_eq!(claimed.len(), ITERATIONS.div_ceil(10));
    assert_eq!(duplicates, (ITERATIONS.div_ceil(10) * (THREADS - 1)) as u64);

    let patterns = engine.patterns(PatternFilter::all());
    let executions_after: u64 = patterns.iter().map(|p| p.execution_count).sum();
    assert_eq!(
        executions_after - executions_before,
        executions,
        "execution_count increments lost or invented"
    );
    let failures_after: u64 = patterns.iter().map(|p| p.failure_count).sum();
    assert!(rejections > 0);
    assert_eq!(
        failures_after - failures_before,
        rejections,
        "failure_count increments lost or invented"
    );

    let history = engine.full_history().unwrap();
    assert_eq!(
        history.len() as u64,
        history_before + changes + promotions,
        "history length differs from the number of changes"
    );
    let seqs: Vec<u64> = history.iter().map(|e| e.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "history seqs not contiguous"
    );

    let rebuilt = rebuild_from_history(&history).unwrap();
    let live: BTreeMap<_, _> = patterns.into_iter().map(|p| (p.id, p)).collect();
    assert_eq!(rebuilt, live);
}
