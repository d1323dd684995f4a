//! Replays labelled messages through the engine and reports learning quality
//! (the replay protocol: `docs/replay-protocol.md`). Without `--data` it replays the bundled demo inbox of
//! a golf-simulator business.
//!
//! ```text
//! cargo run --release --example replay
//! cargo run --release --example replay -- --data FILE.jsonl [--data MORE.jsonl] \
//!     [--warmup train[,val]] [--eval val[,oos_dev]] [--seed 1] [--json] [--target-precision 0.99] \
//!     [--profile seed|v1] [--report FILE.html] [--config '{"gates": {"semantic_weight": 0.5}}'] \
//!     [--messages OUT.jsonl] [--restart] [--unknown-intents 0.25 [--unknown-seed 1]]
//! # with the cargo feature `minilm`: the MiniLM-L6 encoder instead of the built-in table
//! cargo run --release --features minilm --example replay -- --minilm MODEL_DIR --data FILE.jsonl \
//!     --embedding-cache target/minilm-FILE.bin   # later runs embed only new texts
//! ```
//!
//! `--report FILE.html` also writes a self-contained visual report (inline SVG,
//! no network): learning curve, tier mix, confidence of right and wrong
//! proposals, precision against automation, the worst wrong automatic sends.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use std::sync::Arc;

use pattern_learning::config::{Config, Profile};
use pattern_learning::embed::StaticEmbedder;
use pattern_learning::replay::{self, JsonlReader, ReplayOptions, ReplayReport, UnknownIntents};
use pattern_learning_examples::embedding_cache::EmbeddingCache;

const DEMO_INBOX: &str = include_str!("../data/demo_inbox.jsonl");

const USAGE: &str =
    "usage: replay [--data FILE.jsonl]... [--warmup train[,val]] [--eval val[,oos_dev]] [--seed N] \
[--json] [--target-precision P] [--profile seed|v1] [--config JSON] [--messages OUT.jsonl] \
[--report FILE.html] [--minilm MODEL_DIR] [--embedding-cache FILE] [--restart] \
[--unknown-intents F [--unknown-seed N]] [--quiet]

Replays messages in the seeded order of the replay protocol (docs/replay-protocol.md):
warm-up splits first, then the evaluation splits, with a simulated operator in the loop, and
reports automation, auto-send precision, wrong auto-sends per 1000, out-of-scope auto-sends
and latency. Without --data: the bundled demo inbox. --data may be given several times: the
files are read in order as one data set (e.g. --data clinc150.jsonl --data clinc150_oos.jsonl
--eval val,oos_dev).
--unknown-intents F treats a seeded share F (0 <= F < 1) of the in-scope intents as unknown
(the open-intent setting): their messages get one-off replies and count as out of scope;
--unknown-seed N picks them (default 1).
--report FILE.html writes a self-contained visual report (charts and the worst wrong sends).
The data directory may also be given by the environment variable PATTERN_LEARNING_DATA
(then --data may name a file inside it, e.g. --data clinc150.jsonl). --config applies a
partial configuration (JSON, as Config::apply_partial, e.g. '{\"gates\": {\"min_margin\": 0.15}}');
--messages writes one JSON line per evaluated message (decision, reason, confidence, evidence).
--restart evaluates on a new engine opened on the warm-up engine's store, as after a deploy.
--minilm uses the all-MiniLM-L6-v2 encoder from MODEL_DIR (needs the cargo feature `minilm`).
--embedding-cache FILE keeps the embedder's vectors in FILE (created when missing, one
embedder per file), so later replays embed only texts they have not seen: with MiniLM a
replay takes seconds instead of minutes once the file holds the data set.";

struct Args {
    data: Vec<String>,
    options: ReplayOptions,
    json: bool,
    quiet: bool,
    messages: Option<String>,
    report: Option<String>,
    embedding_cache: Option<Arc<EmbeddingCache>>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        data: Vec::new(),
        options: ReplayOptions::default(),
        json: false,
        quiet: false,
        messages: None,
        report: None,
        embedding_cache: None,
    };
    let mut cache_path = None;
    let mut profile = Profile::Seed;
    let mut target_precision = None;
    let mut patches = Vec::new();
    let mut unknown_seed = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--data" => args.data.push(value("--data")?),
            "--warmup" => args.options.warmup = replay::split_list(&value("--warmup")?),
            "--eval" => args.options.eval = replay::split_list(&value("--eval")?),
            "--unknown-intents" => {
                let share = value("--unknown-intents")?
                    .parse()
                    .map_err(|_| "--unknown-intents needs a number".to_string())?;
                args.options.unknown_intents = Some(UnknownIntents::new(share));
            }
            "--unknown-seed" => {
                unknown_seed = Some(
                    value("--unknown-seed")?
                        .parse()
                        .map_err(|_| "--unknown-seed needs a whole number".to_string())?,
                )
            }
            "--seed" => {
                args.options.seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed needs a whole number".to_string())?
            }
            "--target-precision" => {
                target_precision = Some(
                    value("--target-precision")?
                        .parse::<f64>()
                        .map_err(|_| "--target-precision needs a number".to_string())?,
                )
            }
            "--config" => patches.push(
                serde_json::from_str::<serde_json::Value>(&value("--config")?)
                    .map_err(|e| format!("--config needs a JSON object: {e}"))?,
            ),
            "--profile" => profile = value("--profile")?.parse().map_err(|e| format!("{e}"))?,
            "--messages" => args.messages = Some(value("--messages")?),
            "--minilm" => {
                let dir = value("--minilm")?;
                args.options.embedder = Some(
                    pattern_learning::embed::load_minilm(&dir)
                        .map_err(|e| format!("--minilm: {e}"))?,
                );
            }
            "--json" => args.json = true,
            "--restart" => args.options.restart_after_warmup = true,
            "--report" => args.report = Some(value("--report")?),
            "--embedding-cache" => cache_path = Some(value("--embedding-cache")?),
            "--quiet" => args.quiet = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if let Some(seed) = unknown_seed {
        let unknown = args
            .options
            .unknown_intents
            .as_mut()
            .ok_or("--unknown-seed needs --unknown-intents")?;
        unknown.seed = seed;
    }
    args.options.validate().map_err(|e| e.to_string())?;
    if let Some(path) = cache_path {
        let inner = args
            .options
            .embedder
            .clone()
            .unwrap_or_else(|| Arc::new(StaticEmbedder::new()));
        let cache = Arc::new(EmbeddingCache::open(inner, &path).map_err(|e| e.to_string())?);
        args.options.embedder = Some(cache.clone());
        args.embedding_cache = Some(cache);
    }
    let mut config = Config::from_profile(profile);
    config.target_precision = target_precision;
    for patch in &patches {
        config.apply_partial(patch).map_err(|e| e.to_string())?;
    }
    config.validate().map_err(|e| e.to_string())?;
    args.options.config = config;
    Ok(args)
}

/// The records of the data files, read in order as one data set (the bundled demo
/// inbox when there are none), and the name of what was read.
fn load(paths: &[String]) -> Result<(String, Vec<replay::Record>), String> {
    if paths.is_empty() {
        let records = replay::load_jsonl(DEMO_INBOX.as_bytes()).map_err(|e| e.to_string())?;
        return Ok(("bundled demo inbox".into(), records));
    }
    let mut data = JsonlReader::default();
    let mut names = Vec::new();
    for path in paths {
        let resolved = resolve(path);
        let file = std::fs::File::open(&resolved)
            .map_err(|e| format!("cannot open {}: {e}", resolved.display()))?;
        data.read(std::io::BufReader::new(file))
            .map_err(|e| format!("{}: {e}", resolved.display()))?;
        names.push(resolved.display().to_string());
    }
    Ok((names.join(" + "), data.into_records()))
}

/// `path`, or the file of that name in `$PATTERN_LEARNING_DATA` when `path` does
/// not exist.
fn resolve(path: &str) -> std::path::PathBuf {
    let given = std::path::PathBuf::from(path);
    match std::env::var("PATTERN_LEARNING_DATA") {
        Ok(dir) if !given.exists() => std::path::Path::new(&dir).join(path),
        _ => given,
    }
}

/// The file names of the sources `load` named (`a/x.jsonl + b/y.jsonl` → `x.jsonl +
/// y.jsonl`).
fn file_names(source: &str) -> String {
    source
        .split(" + ")
        .map(|s| {
            std::path::Path::new(s)
                .file_name()
                .map_or(s.to_owned(), |n| n.to_string_lossy().into_owned())
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Writes one JSON line per evaluated message (decision, evidence, latency).
fn write_messages(path: &str, messages: &[replay::MessageResult]) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for m in messages {
        serde_json::to_writer(&mut out, m)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("error: {msg}\n");
            }
            eprintln!("{USAGE}");
            return if msg.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let (source, records) = match load(&args.data) {
        Ok(x) => x,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    if !args.quiet {
        eprintln!(
            "replaying {} ({} messages; warm-up {}, evaluate {}, seed {}, profile {:?})",
            source,
            records.len(),
            args.options.warmup.join(","),
            args.options.eval.join(","),
            args.options.seed,
            args.options.config.profile,
        );
    }
    let mut bar = Progress::new(!args.quiet);
    let report = match replay::run(&records, &args.options, |done, total| {
        bar.update(done, total)
    }) {
        Ok(r) => r,
        Err(e) => {
            bar.finish();
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(cache) = &args.embedding_cache {
        if let Err(e) = cache.save() {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        if !args.quiet {
            eprintln!("embedding cache: {} vectors saved", cache.len());
        }
    }
    if let Some(path) = &args.messages {
        if let Err(e) = write_messages(path, &report.messages) {
            eprintln!("error: cannot write {path}: {e}");
            return ExitCode::from(2);
        }
    }
    bar.finish();
    match print_results(&report, &args) {
        // The reader went away (`replay | head`): nothing left to say to it, but the
        // report file below is still written.
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("error: cannot write the results: {e}");
            return ExitCode::from(2);
        }
    }
    if let Some(path) = &args.report {
        let title = format!(
            "{} · evaluate {} · seed {} · profile {:?}",
            file_names(&source),
            args.options.eval.join(", "),
            args.options.seed,
            args.options.config.profile
        );
        if let Err(e) = std::fs::write(path, pattern_learning::report::html(&report, &title)) {
            eprintln!("error: cannot write {path}: {e}");
            return ExitCode::from(2);
        }
        if !args.quiet {
            eprintln!("report written to {path}");
        }
    }
    ExitCode::SUCCESS
}

/// The summary (unless `--quiet`) and the JSON line (with `--json`) on standard output.
fn print_results(report: &ReplayReport, args: &Args) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if !args.quiet {
        print_summary(&mut out, report)?;
    }
    if args.json {
        writeln!(out, "{}", report.metrics_json())?;
    }
    out.flush()
}

fn print_summary(out: &mut impl Write, report: &ReplayReport) -> std::io::Result<()> {
    let m = &report.metrics;
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    writeln!(out)?;
    writeln!(
        out,
        "Evaluation: {} messages ({} out of scope) after {} warm-up messages; {} patterns learned",
        m.messages, m.oos_messages, m.warmup_messages, m.patterns
    )?;
    writeln!(out, "  automation rate        {}", pct(m.automation_rate))?;
    writeln!(
        out,
        "  auto-send precision    {}",
        m.auto_precision
            .map_or("n/a (nothing auto-sent)".into(), |p| format!(
                "{:.2}%",
                100.0 * p
            ))
    )?;
    writeln!(
        out,
        "  wrong auto-sends/1000  {:.1}  ({} wrong)",
        m.wrong_auto_per_1000, m.wrong_auto_sends
    )?;
    writeln!(
        out,
        "  out-of-scope auto-sent {} of {}{}",
        m.oos_auto_sends,
        m.oos_messages,
        m.oos_auto_send_rate
            .map_or(String::new(), |r| format!(" ({:.2} per 1000)", 1000.0 * r))
    )?;
    if m.unknown_intents > 0 {
        writeln!(
            out,
            "  unknown intents        {} (their messages count as out of scope)",
            m.unknown_intents
        )?;
    }
    writeln!(
        out,
        "  suggestion acceptance  {}",
        m.suggestion_acceptance.map_or("n/a".into(), pct)
    )?;
    writeln!(
        out,
        "  operator workload      {} messages",
        m.operator_workload
    )?;
    writeln!(
        out,
        "  tiers                  auto {} · suggest {} · queue {} · escalate {}",
        m.tiers.auto_execute, m.tiers.suggest, m.tiers.queue, m.tiers.escalate
    )?;
    writeln!(
        out,
        "  latency per message    p50 {:.1} µs · p99 {:.1} µs · total {:.2} s",
        m.p50_us, m.p99_us, m.elapsed_s
    )?;
    writeln!(out)?;
    writeln!(out, "Learning curve (per window of the stream):")?;
    writeln!(
        out,
        "  {:<7} {:>8} {:>9} {:>11} {:>6}",
        "phase", "until", "messages", "automation", "wrong"
    )?;
    for p in &report.curve {
        let bar: String = "█".repeat((p.automation_rate * 30.0).round() as usize);
        writeln!(
            out,
            "  {:<7} {:>8} {:>9} {:>10.1}% {:>6}  {bar}",
            p.phase,
            p.until,
            p.messages,
            100.0 * p.automation_rate,
            p.wrong_auto_sends
        )?;
    }
    writeln!(out)?;
    Ok(())
}

/// A progress bar on a terminal; a few plain lines otherwise.
struct Progress {
    enabled: bool,
    tty: bool,
    last_step: usize,
}

impl Progress {
    fn new(enabled: bool) -> Self {
        Progress {
            enabled,
            tty: std::io::stderr().is_terminal(),
            last_step: usize::MAX,
        }
    }

    fn update(&mut self, done: usize, total: usize) {
        if !self.enabled || total == 0 {
            return;
        }
        let mut err = std::io::stderr();
        if self.tty {
            let step = done * 200 / total;
            if step != self.last_step || done == total {
                self.last_step = step;
                let filled = done * 40 / total;
                let _ = write!(
                    err,
                    "\r  [{}{}] {done}/{total}",
                    "=".repeat(filled),
                    " ".repeat(40 - filled)
                );
            }
        } else {
            let step = done * 4 / total;
            if step != self.last_step && (done * 4) % total < 4 {
                self.last_step = step;
                let _ = writeln!(err, "  {done}/{total} messages");
            }
        }
    }

    fn finish(&mut self) {
        if self.enabled && self.tty {
            let _ = writeln!(std::io::stderr());
        }
    }
}
