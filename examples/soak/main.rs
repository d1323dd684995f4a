//! Soak run: replays a large number of messages through one engine and reports its
//! resident memory over time. Not run in CI (only compiled); see RELIABILITY.md.
//!
//! ```sh
//! cargo run --release --example soak                       # 1,000,000 messages
//! cargo run --release --example soak -- --messages 200000 --every 20000
//! cargo run --release --example soak -- --data "$PATTERN_LEARNING_DATA/banking77.jsonl"
//! cargo run --release --example soak -- --max-conversations 100000
//! ```
//!
//! Phase 1 (learning): one pass over the data; an operator answers every in-scope
//! message with its intent's reply, so patterns grow. Phase 2 (steady state): the
//! messages are replayed again and again, each with a new message id, four messages
//! per conversation (so new conversations keep arriving), and one in 50 proposals
//! gets an approval or a rejection of a message seen before, so patterns stop
//! growing (their event log still grows by one event per feedback). The engine
//! remembers at most `--max-conversations` conversations (default here 10,000, so
//! that forgetting is exercised early; the library's default is 100,000). The engine uses
//! a [`MemoryStore`], so the decision log and the pattern events are kept in memory
//! too: memory must stay flat in phase 2. RSS is read from `/proc/self/statm`.
//!
//! Default data: `clinc150.jsonl` in the public data directory (default
//! `../shared/data`, or `$PATTERN_LEARNING_DATA`) when present, else the bundled demo
//! inbox.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use pattern_learning::clock::{ManualClock, Timestamp};
use pattern_learning::store::MemoryStore;
use pattern_learning::{Engine, Feedback, MessageContext, PatternFilter};

/// Messages per conversation: new conversations keep arriving, as in a real inbox.
const PER_CONVERSATION: u64 = 4;

struct Args {
    messages: u64,
    every: u64,
    data: PathBuf,
    max_conversations: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        messages: 1_000_000,
        every: 50_000,
        data: default_data(),
        max_conversations: 10_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--messages" => args.messages = value()?.parse().map_err(|e| format!("{e}"))?,
            "--every" => args.every = value()?.parse().map_err(|e| format!("{e}"))?,
            "--data" => args.data = PathBuf::from(value()?),
            "--max-conversations" => {
                args.max_conversations = value()?.parse().map_err(|e| format!("{e}"))?
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    args.every = args.every.max(1);
    Ok(args)
}

fn default_data() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = std::env::var_os("PATTERN_LEARNING_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data"))
        .join("clinc150.jsonl");
    if shared.is_file() {
        shared
    } else {
        root.join("examples/data/demo_inbox.jsonl")
    }
}

/// Resident set size in MiB, from `/proc/self/statm` (Linux), or 0 elsewhere.
fn rss_mib() -> f64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0);
    (pages * 4096) as f64 / (1024.0 * 1024.0)
}

fn load(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).map_err(|e| e.to_string())?;
            let field = |k: &str| v[k].as_str().map(str::to_owned).ok_or(format!("no {k}"));
            Ok((field("text")?, field("intent")?))
        })
        .collect()
}

fn reply_for(intent: &str) -> Option<String> {
    (intent != "oos" && intent != "out_of_scope")
        .then(|| format!("Here is what you need about {}.", intent.replace('_', " ")))
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("soak: {e}");
            std::process::exit(2);
        }
    };
    let rows = load(&args.data).unwrap_or_else(|e| {
        eprintln!("soak: cannot read the data: {e}");
        std::process::exit(1);
    });
    let clock = ManualClock::new(Timestamp(1_767_225_600_000));
    let engine = Engine::builder()
        .clock(Arc::new(clock.clone()))
        .store(Arc::new(MemoryStore::new()))
        .max_conversations(args.max_conversations)
        .build()
        .expect("the default configuration builds");

    println!(
        "soak: {} messages from {} ({} rows), {} per conversation, at most {} \
         conversations remembered, report every {}",
        args.messages,
        args.data.display(),
        rows.len(),
        PER_CONVERSATION,
        args.max_conversations,
        args.every
    );
    println!("rss at start: {:.1} MiB", rss_mib());
    let t0 = Instant::now();
    for (text, intent) in &rows {
        if let Some(reply) = reply_for(intent) {
            engine
                .feedback(&Feedback::answer(text.as_str(), reply))
                .expect("learning an answer");
        }
        clock.advance_secs(1);
    }
    println!(
        "phase 1 (learning): {} patterns, {:.1} MiB rss, {:.1} s",
        engine.patterns(PatternFilter::all()).len(),
        rss_mib(),
        t0.elapsed().as_secs_f64()
    );
    println!(
        "{:>10} {:>10} {:>9} {:>9} {:>8}",
        "messages", "rss_mib", "patterns", "sends", "secs"
    );

    let t1 = Instant::now();
    let mut sends = 0u64;
    for i in 0..args.messages {
        let (text, intent) = &rows[(i as usize * 7919) % rows.len()];
        let ctx = MessageContext::new()
            .conversation(format!("conv-{}", i / PER_CONVERSATION))
            .message_id(format!("msg-{i}"));
        let d = engine.process(text, &ctx).expect("process");
        if d.outbound.is_some() {
            sends += 1;
        }
        if let (Some(pattern), true) = (d.pattern_id, i % 50 == 0) {
            let right = engine
                .pattern(pattern)
                .is_some_and(|p| Some(p.response_template) == reply_for(intent));
            let fb = if right {
                Feedback::approve(text.as_str(), pattern)
            } else {
                Feedback::reject(text.as_str(), pattern, None)
            };
            engine.feedback(&fb).expect("feedback");
        }
        clock.advance_secs(7);
        if (i + 1) % args.every == 0 || i + 1 == args.messages {
            println!(
                "{:>10} {:>10.1} {:>9} {:>9} {:>8.1}",
                i + 1,
                rss_mib(),
                engine.patterns(PatternFilter::all()).len(),
                sends,
                t1.elapsed().as_secs_f64()
            );
        }
    }
}
