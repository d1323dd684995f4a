//! Golden vectors, kept as data files in `tests/data/`, checked through the public API.
//!
//! Each test checks every row and reports all failing rows at once.

use pattern_learning::signature::{canonical_form, signature, v1_normalize, v1_signature};
use pattern_learning::template::{render, TemplateContext};
use pattern_learning::v1::automations::{calculate_confidence, features, find_best_automation};
use pattern_learning::v1::cues::{
    extract_location_and_box, is_escalation_message, is_success_message,
};
use pattern_learning::v1::entities::{extract_entities, Entities};
use pattern_learning::v1::topic::{detect_topic, Topic};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

fn load<T: DeserializeOwned>(path: &str) -> T {
    let json = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

/// Panics with every failure, one per line, if there are any.
fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failing row(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[derive(Deserialize)]
struct Signatures {
    v1: Vec<V1Row>,
    stable: Vec<StableRow>,
    stable_same: Vec<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct V1Row {
    input: String,
    normalised: String,
    md5: String,
}

#[derive(Debug, Deserialize)]
struct StableRow {
    input: String,
    canonical: String,
    md5: String,
}

#[test]
fn signatures() {
    let data: Signatures = load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/v1_signatures.json"
    ));
    let mut failures = Vec::new();
    for row in &data.v1 {
        let got = (v1_normalize(&row.input), v1_signature(&row.input));
        if got != (row.normalised.clone(), row.md5.clone()) {
            failures.push(format!("v1 {row:?}: got {got:?}"));
        }
    }
    for row in &data.stable {
        let got = (canonical_form(&row.input), signature(&row.input));
        if got != (row.canonical.clone(), row.md5.clone()) {
            failures.push(format!("stable {row:?}: got {got:?}"));
        }
    }
    for group in &data.stable_same {
        let first = signature(&group[0]);
        for input in &group[1..] {
            if signature(input) != first {
                failures.push(format!(
                    "stable_same: {input:?} ({:?}) differs from {:?} ({:?})",
                    canonical_form(input),
                    group[0],
                    canonical_form(&group[0])
                ));
            }
        }
    }
    report(failures);
}

#[derive(Deserialize)]
struct Topics {
    cases: Vec<TopicRow>,
}

#[derive(Debug, Deserialize)]
struct TopicRow {
    message: String,
    topic: Topic,
}

#[test]
fn topics() {
    let data: Topics = load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/topics.json"
    ));
    let mut failures = Vec::new();
    for row in &data.cases {
        let got = detect_topic(&row.message);
        if got != row.topic {
            failures.push(format!("{row:?}: got {got}"));
        }
    }
    report(failures);
}

#[derive(Deserialize)]
struct Templates {
    render: Vec<RenderRow>,
    entities: Vec<EntityRow>,
}

#[derive(Debug, Deserialize)]
struct RenderRow {
    name: String,
    template: String,
    context: Map<String, Value>,
    text: String,
    missing: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct EntityRow {
    message: String,
    entities: Entities,
}

fn templates() -> Templates {
    load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/templates.json"
    ))
}

#[test]
fn template_rendering() {
    let mut failures = Vec::new();
    for row in templates().render {
        let out = render(&row.template, &TemplateContext::from(row.context.clone()));
        if out.text != row.text || out.missing != row.missing {
            failures.push(format!("{row:?}: got {out:?}"));
        } else if out.is_complete() != row.missing.is_empty() {
            failures.push(format!("{}: is_complete disagrees with missing", row.name));
        }
    }
    report(failures);
}

#[test]
fn entity_extraction() {
    let mut failures = Vec::new();
    for row in templates().entities {
        let got = extract_entities(&row.message);
        if got != row.entities {
            failures.push(format!("{row:?}: got {got:?}"));
        }
    }
    report(failures);
}

#[derive(Deserialize)]
struct Automations {
    cases: Vec<AutomationRow>,
}

#[derive(Debug, Deserialize)]
struct AutomationRow {
    message: String,
    feature: Option<String>,
    confidence: f64,
    matches: Vec<String>,
    negatives: Vec<String>,
    scores: BTreeMap<String, f64>,
    v1: Option<V1Automation>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct V1Automation {
    feature: Option<String>,
    confidence: f64,
}

#[test]
fn legacy_automations() {
    let data: Automations = load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/v1_automations.json"
    ));
    let mut failures = Vec::new();
    for row in &data.cases {
        let best = find_best_automation(&row.message);
        // Exact: the weights are summed in V1's order, so the sum is V1's.
        let got = (
            &best.feature,
            best.confidence,
            &best.matches,
            &best.negatives,
        );
        if got != (&row.feature, row.confidence, &row.matches, &row.negatives) {
            failures.push(format!("{row:?}: got {got:?}"));
        }
        let scores: BTreeMap<String, f64> = features()
            .into_iter()
            .map(|(name, _)| {
                let score = calculate_confidence(&row.message, name).expect("a V1 feature");
                (name.to_owned(), score.confidence)
            })
            .collect();
        if scores != row.scores {
            failures.push(format!("{:?}: scores {scores:?}", row.message));
        }
        let differs = row.v1.as_ref().is_some_and(|v1| {
            v1 == &V1Automation {
                feature: best.feature.clone(),
                confidence: best.confidence,
            }
        });
        if differs {
            failures.push(format!(
                "{:?}: the `v1` column equals the result",
                row.message
            ));
        }
    }
    report(failures);
}

#[derive(Deserialize)]
struct Cues {
    cues: Vec<CueRow>,
    locations: Vec<LocationRow>,
}

#[derive(Debug, Deserialize)]
struct CueRow {
    message: String,
    escalation: bool,
    success: bool,
}

#[derive(Debug, Deserialize)]
struct LocationRow {
    message: String,
    location: Option<String>,
    #[serde(rename = "box")]
    box_number: Option<String>,
}

#[test]
fn follow_up_cues() {
    let data: Cues = load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/v1_cues.json"
    ));
    let mut failures = Vec::new();
    for row in &data.cues {
        let got = (
            is_escalation_message(&row.message),
            is_success_message(&row.message),
        );
        if got != (row.escalation, row.success) {
            failures.push(format!("{row:?}: got {got:?}"));
        }
    }
    for row in &data.locations {
        let got = extract_location_and_box(&row.message);
        if (&got.location, &got.box_number) != (&row.location, &row.box_number) {
            failures.push(format!("{row:?}: got {got:?}"));
        }
    }
    report(failures);
}
