//! The built-in embedder matches by meaning, and the gates keep distant matches from
//! being sent.

use pattern_learning::config::Config;
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
