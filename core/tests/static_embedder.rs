//! The built-in static embedder reproduces the distilled model it was built from.
//!
//! `scripts/distill-static-embedder` writes the table, its SHA-256 and a fixture: sentences
//! with the token ids of the distilled model's own tokenizer, the vectors model2vec's
//! `encode` gives, and the mean of the quantised table rows.

use pattern_learning::embed::{cosine, Embedder, StaticEmbedder};
use serde_json::Value;
use sha2::{Digest, Sha256};

const TABLE: &[u8] = include_bytes!("../assets/static-minilm-256.bin");
const TABLE_SHA256: &str = include_str!("../assets/static-minilm-256.sha256");
const FIXTURE: &str = include_str!("data/static_embedder_fixture.json");

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("fixture is JSON")
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect()
}

#[test]
fn the_shipped_table_has_the_recorded_hash() {
    let digest: String = Sha256::digest(TABLE)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let recorded = TABLE_SHA256.split_whitespace().next().unwrap();
    assert_eq!(digest, recorded);
    assert_eq!(fixture()["table_sha256"].as_str().unwrap(), recorded);
    assert!(
        TABLE.len() <= 8 * 1024 * 1024,
        "table is {} bytes",
        TABLE.len()
    );
}

#[test]
fn tokenisation_equals_the_reference_tokenizer() {
    let e = StaticEmbedder::new();
    for s in fixture()["sentences"].as_array().unwrap() {
        let text = s["text"].as_str().unwrap();
        let expected: Vec<u32> = s["token_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(e.token_ids(text), expected, "tokens of {text:?}");
    }
}

#[test]
fn vectors_equal_the_reference_vectors() {
    let e = StaticEmbedder::new();
    let f = fixture();
    assert_eq!(e.dimension(), f["dimension"].as_u64().unwrap() as usize);
    for s in f["sentences"].as_array().unwrap() {
        let text = s["text"].as_str().unwrap();
        let ours = e.embed(text);
        let table = floats(&s["table"]);
        assert_eq!(ours.len(), table.len());
        for (a, b) in ours.iter().zip(&table) {
            assert!((a - b).abs() < 1e-5, "{text:?}: {a} vs {b}");
        }
        let model2vec = floats(&s["model2vec"]);
        if model2vec.iter().all(|x| *x == 0.0) {
            assert!(
                ours.iter().all(|x| *x == 0.0),
                "{text:?} should embed to zero"
            );
        } else {
            let c = cosine(&ours, &model2vec);
            assert!(c > 0.999, "{text:?}: cosine with model2vec {c}");
        }
    }
}

#[test]
fn meaning_beats_spelling() {
    let e = StaticEmbedder::new();
    let frozen = e.embed("the TrackMan is frozen");
    let freezing = e.embed("the sim keeps freezing");
    let frozen_yogurt = e.embed("do you sell gift cards");
    assert!(cosine(&frozen, &freezing) > cosine(&frozen, &frozen_yogurt));
}
