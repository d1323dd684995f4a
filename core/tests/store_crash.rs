//! Crash safety: a store killed with SIGKILL at a random moment keeps every commit it
//! acknowledged, applies every commit whole or not at all, and opens cleanly.
//!
//! The test re-executes its own binary as a child (`PL_STORE_CRASH_CHILD=<path>`) that
//! commits feedback-like commits in a loop and prints `ACK <seq>` after each commit
//! returned `Ok`. The parent kills it after a random short delay (seeded; set
//! `PL_STORE_CRASH_SEED` to replay a run), reopens the store and checks it.

mod store_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use pattern_learning::clock::Timestamp;
use pattern_learning::store::{Commit, SqliteStore, Store};
use pattern_learning::{ChangeKind, PatternId};
use serde_json::json;
use store_support::{decision, event, pattern};

const CHILD: &str = "PL_STORE_CRASH_CHILD";
const SEED: &str = "PL_STORE_CRASH_SEED";

/// Child side: commit one approval after another until killed.
#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD) else {
        return;
    };
    let store = SqliteStore::open(&path).expect("child: open");
    let state = store.load().expect("child: load");
    let mut seq = state.last_event_seq;
    let mut p = match state.patterns.into_iter().next() {
        Some(p) => p,
        None => {
            let mut p = pattern(1);
            p.execution_count = 0;
            p.success_count = 0;
            p
        }
    };
    loop {
        seq += 1;
        let kind = if seq == 1 {
            ChangeKind::Created
        } else {
            ChangeKind::Approved
        };
        if kind == ChangeKind::Approved {
            p.execution_count += 1;
            p.success_count += 1;
            p.confidence = (p.confidence + 0.01).min(1.0);
            p.last_used = Some(Timestamp(seq as i64));
            p.trigger_examples
                .push(format!("my trackman froze again, take {seq}"));
        }
        let commit = Commit {
            patterns: vec![p.clone()],
            rejections: if seq % 5 == 0 {
                vec![(p.id, format!("rejected {seq}"))]
            } else {
                Vec::new()
            },
            events: vec![event(seq, &p, kind)],
            decisions: vec![decision(seq, Some(p.id))],
            conversations: vec![("conv-42".to_owned(), json!({"last_seq": seq}))],
            ..Commit::default()
        };
        store.commit(&commit).expect("child: commit");
        // One line per acknowledged commit, written before the next commit starts.
        println!("ACK {seq}");
    }
}

/// xorshift64*: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// Runs one child until it is killed `delay` after it started (or after its first
/// acknowledgement); returns the seqs it acknowledged.
fn run_child(path: &std::path::Path, delay: Duration, after_first_ack: bool) -> Vec<u64> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        // The harness may print the test's name on the first line, before an ack.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(seq) = line
                .find("ACK ")
                .and_then(|at| line[at + 4..].trim().parse::<u64>().ok())
            {
                if tx.send(seq).is_err() {
                    break;
                }
            }
        }
    });
    let mut acked = Vec::new();
    if after_first_ack {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(seq) => acked.push(seq),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the child acknowledged nothing: {e}");
            }
        }
    }
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    reader.join().unwrap();
    acked.extend(rx.try_iter());
    acked
}

#[test]
fn sigkill_loses_no_acknowledged_commit() {
    let seed = std::env::var(SEED)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_2025_0905_u64);
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let iterations = 20 + rng.below(21);
    let mut acknowledged: Vec<u64> = Vec::new();
    for iteration in 0..iterations {
        let delay = Duration::from_millis(rng.below(60));
        // Every third child may die before it commits anything, even while opening.
        let after_first_ack = iteration % 3 != 0;
        let acked = run_child(&path, delay, after_first_ack);
        assert!(
            acked.windows(2).all(|w| w[0] < w[1]),
            "acks out of order: {acked:?}"
        );
        acknowledged.extend(acked);

        let context = format!("seed {seed}, iteration {iteration}, delay {delay:?}");
        let store = SqliteStore::open(&path).unwrap_or_else(|e| panic!("{context}: reopen: {e}"));
        store
            .check_integrity()
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        let state = store.load().unwrap();
        let last = state.last_event_seq;
        // Durable: everything acknowledged is there.
        if let Some(&max_acked) = acknowledged.last() {
            assert!(
                last >= max_acked,
                "{context}: acknowledged {max_acked}, store has {last}"
            );
        }
        let events = store.events(None, 0, usize::MAX).unwrap();
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(
            seqs,
            (1..=last).collect::<Vec<_>>(),
            "{context}: events are not 1..={last}"
        );
        assert!(
            acknowledged.iter().all(|s| seqs.binary_search(s).is_ok()),
            "{context}"
        );
        // Atomic: every table reflects exactly the same last commit.
        assert_eq!(state.last_decision_seq, last, "{context}");
        assert_eq!(
            store.decisions(0, usize::MAX).unwrap().len() as u64,
            last,
            "{context}"
        );
        if last > 0 {
            let p = &state.patterns[0];
            assert_eq!(p.id, PatternId(1));
            assert_eq!(p.execution_count, last - 1, "{context}");
            assert_eq!(p.trigger_examples.len() as u64, 3 + last - 1, "{context}");
            assert_eq!(
                events.last().map(|e| &e.state.execution_count),
                Some(&p.execution_count)
            );
            assert_eq!(state.rejections.len() as u64, last / 5, "{context}");
            assert_eq!(
                state.conversations["conv-42"]["last_seq"], last,
                "{context}"
            );
        }
    }
    assert!(
        acknowledged.len() >= iterations as usize / 2,
        "too few commits to prove anything: {}",
        acknowledged.len()
    );
    eprintln!(
        "{iterations} kills, {} acknowledged commits, all kept",
        acknowledged.len()
    );
}
