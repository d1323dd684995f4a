//! Smoke test of the packaged crate (scripts/release), built as a new cargo project
//! that depends on it by path: process a message, learn from an answer, keep it in a
//! store file, reopen the file, read the metrics.

use pattern_learning::{Action, Engine, Feedback, MessageContext};

fn main() -> Result<(), pattern_learning::Error> {
    let file =
        std::env::temp_dir().join(format!("pattern-learning-smoke-{}.db", std::process::id()));
    let engine = Engine::open(&file)?;
    let first = engine.process(
        "Do you sell gift cards?",
        &MessageContext::new().conversation("c1"),
    )?;
    assert_eq!(first.action, Action::Escalate);
    engine.feedback(&Feedback::answer("Do you sell gift cards?", "Yes! Online."))?;
    drop(engine);

    let engine = Engine::open(&file)?;
    let d = engine.process(
        "do you sell gift cards",
        &MessageContext::new().conversation("c2"),
    )?;
    assert_eq!(d.response.as_deref(), Some("Yes! Online."));
    let m = engine.metrics();
    assert_eq!(m.decisions, 1);
    let counted = format!(
        "pattern_learning_decisions_total{{action=\"{}\",",
        d.action.as_str()
    );
    assert!(engine.prometheus().contains(&counted));
    drop(engine);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    println!(
        "crate OK: learned, stored, reopened; then {} ({:.2}); {} decision counted",
        d.action.as_str(),
        d.confidence,
        m.decisions
    );
    Ok(())
}
