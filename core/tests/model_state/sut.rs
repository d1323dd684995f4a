//! The system under test: one or two engine processes on one real store, driven step
//! by step and compared with the model after every step.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};
use serde_json::{json, Value};

use crate::child::{SCHEMA_VAR, STORE_VAR};
use crate::fixture::{unrelated, PHRASINGS};
use crate::model::{Expected, FeedbackResult, Model, Reference, Step};

/// Counts for the summary line.
pub static SEQUENCES: AtomicUsize = AtomicUsize::new(0);
pub static STEPS: AtomicUsize = AtomicUsize::new(0);
pub static RESTARTS: AtomicUsize = AtomicUsize::new(0);
pub static KILLS: AtomicUsize = AtomicUsize::new(0);

/// Where a run's store is, made fresh for every run.
pub trait Location {
    /// A new, empty store: the value of `PL_MODEL_STORE` and, for PostgreSQL, the
    /// schema; and whatever must live as long as the run (a temporary directory).
    fn fresh() -> (String, Option<String>, Box<dyn std::any::Any>);
}

/// One engine process.
struct EngineProcess {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl EngineProcess {
    fn start(store: &str, schema: Option<&str>) -> Self {
        let exe = std::env::current_exe().expect("the test binary");
        let mut command = Command::new(exe);
        command
            .env(STORE_VAR, store)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(schema) = schema {
            command.env(SCHEMA_VAR, schema);
        }
        let mut child = command.spawn().expect("an engine process");
        let input = child.stdin.take().expect("its input");
        let output = BufReader::new(child.stdout.take().expect("its output"));
        EngineProcess {
            child,
            input,
            output,
        }
    }

    fn call(&mut self, command: Value) -> Value {
        writeln!(self.input, "{command}").expect("the engine process reads");
        let mut line = String::new();
        self.output
            .read_line(&mut line)
            .expect("the engine process answers");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("no answer to {command} ({e}): {line:?}"))
    }

    /// Ends the process the way a deploy does: its input closes, it exits.
    fn stop(mut self) {
        drop(self.input);
        let status = self.child.wait().expect("the engine process ends");
        assert!(status.success(), "the engine process exited with {status}");
    }

    /// Kills the process (SIGKILL): nothing it acknowledged may be lost.
    fn kill(mut self) {
        self.child.kill().expect("the engine process is killed");
        let _ = self.child.wait();
    }
}

/// The engines of one run, the store they share, and the ids the model refers to.
pub struct System {
    engines: Vec<Option<EngineProcess>>,
    store: String,
    schema: Option<String>,
    _keep: Box<dyn std::any::Any>,
    pattern: u64,
    decisions: Vec<String>,
}

impl System {
    fn engine(&mut self, i: usize) -> &mut EngineProcess {
        self.engines[i].as_mut().expect("the engine is running")
    }

    fn call(&mut self, i: usize, mut command: Value, now: i64) -> Value {
        command["now"] = json!(now);
        self.engine(i).call(command)
    }

    fn restart(&mut self, i: usize, kill: bool) {
        let old = self.engines[i].take().expect("the engine is running");
        if kill {
            old.kill();
            KILLS.fetch_add(1, Ordering::Relaxed);
        } else {
            old.stop();
            RESTARTS.fetch_add(1, Ordering::Relaxed);
        }
        self.engines[i] = Some(EngineProcess::start(&self.store, self.schema.as_deref()));
    }
}

/// The model test on stores made by `L`, with `ENGINES` engine processes.
pub struct ModelTest<L, const ENGINES: usize>(std::marker::PhantomData<L>);

impl<L: Location, const ENGINES: usize> StateMachineTest for ModelTest<L, ENGINES> {
    type SystemUnderTest = System;
    type Reference = Reference<ENGINES>;

    fn init_test(_model: &Model) -> System {
        SEQUENCES.fetch_add(1, Ordering::Relaxed);
        let (store, schema, keep) = L::fresh();
        let engines = (0..ENGINES)
            .map(|_| Some(EngineProcess::start(&store, schema.as_deref())))
            .collect();
        let mut system = System {
            engines,
            store,
            schema,
            _keep: keep,
            pattern: 0,
            decisions: Vec::new(),
        };
        let answer = system.call(0, json!({"op": "setup"}), crate::fixture::START.0);
        system.pattern = answer["pattern"]
            .as_u64()
            .unwrap_or_else(|| panic!("setup failed: {answer}"));
        system
    }

    fn apply(mut system: System, model: &Model, step: Step) -> System {
        STEPS.fetch_add(1, Ordering::Relaxed);
        let answer = run(&mut system, model, &step);
        check(&mut system, model, &step, &answer);
        system
    }

    fn check_invariants(system: &System, model: &Model) {
        // Stateful comparison happens in `apply` (it needs the processes mutably).
        let _ = (system, model);
    }

    fn teardown(system: System, _model: Model) {
        for engine in system.engines.into_iter().flatten() {
            engine.stop();
        }
    }
}

/// Carries the step out on the engines; returns the engine's answer.
fn run(system: &mut System, model: &Model, step: &Step) -> Value {
    let now = model.now;
    let pattern = system.pattern;
    match step {
        Step::Process {
            engine,
            phrasing,
            conversation,
            message_id,
            ..
        } => {
            let command = json!({
                "op": "process",
                "text": PHRASINGS[*phrasing],
                "conversation": format!("c{conversation}"),
                "message_id": message_id.map(|m| format!("m{m}")),
            });
            let answer = system.call(*engine, command, now);
            let id = answer["id"].as_str().unwrap_or_else(|| panic!("{answer}"));
            system.decisions.push(id.to_owned());
            answer
        }
        Step::Judge {
            engine,
            approve,
            decision,
            feedback_id,
            text,
        } => {
            let decision = decision
                .as_ref()
                .map(|i| system.decisions[i.index(system.decisions.len())].clone());
            let command = json!({
                "op": "feedback",
                "action": if *approve { "approve" } else { "reject" },
                "text": unrelated(*text),
                "pattern": decision.is_none().then_some(pattern),
                "decision": decision,
                "feedback_id": feedback_id.map(|f| format!("fb-{f}")),
            });
            system.call(*engine, command, now)
        }
        Step::Takeover {
            engine,
            conversation,
        } => {
            let command = json!({"op": "takeover", "conversation": format!("c{conversation}")});
            system.call(*engine, command, now)
        }
        Step::Undo { engine } => system.call(
            *engine,
            json!({"op": "undo_latest", "pattern": pattern}),
            now,
        ),
        Step::Enable { engine, enabled } => {
            let command = json!({"op": "config", "patch": {"enabled": enabled}});
            system.call(*engine, command, now)
        }
        Step::Cap { engine, cap } => {
            let patch = json!({"guards": {"maxAutoSendsPerHour": cap}});
            system.call(*engine, json!({"op": "config", "patch": patch}), now)
        }
        Step::Restart { engine } => {
            system.restart(*engine, false);
            json!({})
        }
        Step::Kill { engine } => {
            system.restart(*engine, true);
            json!({})
        }
    }
}

/// Compares the answer and the store's state, as every engine sees it, with the
/// model.
fn check(system: &mut System, model: &Model, step: &Step, answer: &Value) {
    match &model.expected {
        Expected::Decision { sends, duplicate } => {
            assert_eq!(
                answer["sends"].as_bool(),
                Some(*sends),
                "{step:?}: {answer}"
            );
            let is_duplicate = answer["reason"] == "duplicate_message";
            assert_eq!(is_duplicate, *duplicate, "{step:?}: {answer}");
        }
        Expected::Feedback(expected) => {
            let got = match (answer["error"].as_str(), answer["duplicate"].as_bool()) {
                (Some("UNKNOWN_DECISION"), _) => FeedbackResult::UnknownDecision,
                (None, Some(true)) => FeedbackResult::Duplicate,
                (None, Some(false)) => FeedbackResult::Applied,
                _ => panic!("{step:?}: unexpected answer {answer}"),
            };
            assert_eq!(got, *expected, "{step:?}: {answer}");
        }
        Expected::Nothing => {
            assert!(answer.get("error").is_none(), "{step:?}: {answer}");
        }
    }
    for engine in 0..system.engines.len() {
        let state = system.call(
            engine,
            json!({"op": "state", "pattern": system.pattern}),
            model.now,
        );
        let p = &model.pattern;
        let close = |v: &Value, x: f64| v.as_f64().is_some_and(|y| (y - x).abs() < 1e-9);
        assert!(
            close(&state["confidence"], p.confidence),
            "{step:?} engine {engine}: {state} vs {p:?}"
        );
        assert_eq!(
            state["execution_count"],
            json!(p.execution_count),
            "{step:?} engine {engine}: {state}"
        );
        assert_eq!(
            state["success_count"],
            json!(p.success_count),
            "{step:?} engine {engine}: {state}"
        );
        assert_eq!(
            state["failure_count"],
            json!(p.failure_count),
            "{step:?} engine {engine}: {state}"
        );
        assert_eq!(
            state["enabled"],
            json!(model.enabled),
            "{step:?} engine {engine}: {state}"
        );
        assert_eq!(
            state["cap"],
            json!(model.cap),
            "{step:?} engine {engine}: {state}"
        );
    }
}

/// Runs `cases` random sequences of 1 to `steps` steps; panics on the first that
/// disagrees with the model, after shrinking it to a short one.
pub fn run_cases<L: Location, const ENGINES: usize>(cases: u32, steps: usize) {
    let config = proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config.clone());
    let strategy = Reference::<ENGINES>::sequential_strategy(1..=steps);
    let result = runner.run(&strategy, |(initial, transitions, seen)| {
        ModelTest::<L, ENGINES>::test_sequential(config.clone(), initial, transitions, seen);
        Ok(())
    });
    if let Err(e) = result {
        panic!("the engines disagree with the model: {e}");
    }
}
