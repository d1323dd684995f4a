//! The built-in embedder matches by meaning, and the gates keep distant matches from
//! being sent.

use std::sync::Arc;

use pattern_learning::config::Config;
use pattern_learning::embed::Embedder;
use pattern_learning::gates::Gates;
use pattern_learning::{Action, Engine, NewPattern, PatternId, Reason};

const FROZEN: &str =
    "Sorry about that! Hold the power button on the bay PC for 10 seconds to restart TrackMan.";
const DOOR: &str = "Your door code is sent by text 30 minutes before your booking.";
const GIFT: &str = "Gift cards are sold online at clubhouse247golf.com/gift.";

fn engine(config: Config) -> (Engine, PatternId) {
    let engine = Engine::builder().config(config).build().unwrap();
    let mut ids = Vec::new();
    for (examples, reply) in [
        (
            vec![
                "the trackman is frozen",
                "trackman screen froze",
                "simulator not responding",
                "screen stuck on loading",
                "the projector image is stuck",
                "trackman crashed",
            ],
            FROZEN,
        ),
        (
            vec![
                "what is the door code",
                "door code not working",
                "how do i get in the building",
                "locked out of the bay",
                "can't open the front door",
                "when do i get my access code",
            ],
            DOOR,
        ),
        (
            vec![
                "do you sell gift cards",
                "can i buy a gift certificate",
                "gift card for my dad",
                "where can i purchase a voucher",
                "birthday present gift card",
                "how much are gift cards",
            ],
            GIFT,
        ),
    ] {
        ids.push(
            engine
                .create_pattern(NewPattern::new(examples, reply).confidence(0.95))
                .unwrap()
                .id,
        );
    }
    (engine, ids[0])
}

#[test]
fn a_paraphrase_without_shared_words_finds_its_reply() {
    let (e, frozen) = engine(Config::default());
    let d = e
        .process("my sim keeps freezing", &Default::default())
        .unwrap();
    assert_eq!(d.pattern_id, Some(frozen), "{:#?}", d.evidence);
    let evidence = d.evidence;
    let nearest = evidence.nearest_example.unwrap();
    assert!(nearest.contains("froze"), "{nearest}");
    assert!(evidence.semantic.unwrap() > 2.0 * evidence.lexical);
    // Found by meaning, too far to send unattended.
    assert_ne!(d.action, Action::AutoExecute);
}

#[test]
fn without_the_embedder_the_paraphrase_is_not_recognised() {
    let mut config = Config::default();
    config.gates.semantic_weight = 0.0;
    let (e, frozen) = engine(config);
    let d = e
        .process("my sim keeps freezing", &Default::default())
        .unwrap();
    assert_ne!(d.pattern_id, Some(frozen));
}

#[test]
fn a_distant_match_is_never_sent_even_when_all_neighbours_agree() {
    let (e, _) = engine(Config::default());
    for message in ["thanks so much!", "what's the weather in paris", "ok"] {
        let d = e.process(message, &Default::default()).unwrap();
        assert_ne!(d.action, Action::AutoExecute, "{message}: {d:#?}");
        assert!(d.outbound.is_none(), "{message}");
        if let Some(gate) = d.evidence.gates.iter().find(|g| g.gate == "similarity") {
            assert!(!gate.passed || d.reason != Reason::ConfidentMatch);
        }
    }
}

/// The built-in table, presenting gates of its own (as MiniLM does).
#[derive(Debug)]
struct TunedEmbedder(pattern_learning::embed::StaticEmbedder);

const TUNED: Gates = Gates {
    neighbours: 7,
    min_margin: 0.2,
    min_similarity: 0.55,
    min_support: 5,
    clear_lead: 0.35,
    clear_lead_dissent: 2,
    semantic_weight: 0.8,
    max_unexplained_words: 3,
    rare_word_examples: 7,
    foreign_word_share: 0.45,
    close_word_similarity: 0.65,
};

impl Embedder for TunedEmbedder {
    fn dimension(&self) -> usize {
        self.0.dimension()
    }
    fn name(&self) -> &str {
        "tuned-test"
    }
    fn embed(&self, text: &str) -> Vec<f32> {
        self.0.embed(text)
    }
    fn tuned_gates(&self) -> Option<Gates> {
        Some(TUNED)
    }
}

fn tuned_engine(config: Option<Config>) -> Engine {
    let mut builder = Engine::builder().embedder(Arc::new(TunedEmbedder(
        pattern_learning::embed::StaticEmbedder::new(),
    )));
    if let Some(config) = config {
        builder = builder.config(config);
    }
    builder.build().unwrap()
}

#[test]
fn an_embedders_own_gates_replace_the_default_ones_and_only_those() {
    // Default configuration, implicit or given: the embedder's gates.
    assert_eq!(tuned_engine(None).config().gates, TUNED);
    assert_eq!(tuned_engine(Some(Config::default())).config().gates, TUNED);
    // A gate the configuration sets stays its own; the others are the embedder's.
    let mut mine = Config::default();
    mine.gates.min_margin = 0.3;
    let engine = tuned_engine(Some(mine.clone()));
    assert_eq!(
        engine.config().gates,
        Gates {
            min_margin: 0.3,
            ..TUNED
        }
    );
    // Replacing the configuration follows the same rule; a partial update changes
    // only what it names.
    engine.set_config(Config::default()).unwrap();
    assert_eq!(engine.config().gates, TUNED);
    let now = engine
        .update_config(&serde_json::json!({"gates": {"neighbours": 9}}))
        .unwrap();
    assert_eq!(
        now.gates,
        Gates {
            neighbours: 9,
            ..TUNED
        }
    );
    assert_eq!(engine.config(), now);
    // The built-in embedder has no gates of its own.
    assert_eq!(Engine::new().config().gates, Gates::default());
}
