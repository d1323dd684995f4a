//! Nothing is auto-sent without every gate of `pattern_learning::gates`: one
//! table-driven test. For each [`Gate`] a scenario where that gate fails; the
//! message that auto-sends in the baseline is then not sent, and the decision
//! names the gate's reason. A gate without a scenario fails the test.

mod support;

use pattern_learning::config::Config;
use pattern_learning::gates::{Gate, GateKind};
use pattern_learning::pattern::PatternUpdate;
use pattern_learning::{Action, Decision, MessageContext, OutboundKind, Reason};
use serde_json::json;
use support::{trained, Fixture, LOGIN};

/// Lower tiers, so a gate (not the threshold) decides in the match-gate scenarios.
fn low_tiers(mut config: Config) -> Config {
    config.thresholds.auto = 0.5;
    config.thresholds.suggest = 0.45;
    config.thresholds.queue = 0.4;
    config
}

fn conversation(id: &str) -> MessageContext {
    MessageContext::new().conversation(id)
}

fn decide(f: &Fixture, message: &str, ctx: &MessageContext) -> Decision {
    f.engine.process(message, ctx).expect("a decision")
}

/// A message close to, but not the same as, the trusted pattern's examples.
const NEAR_LOGIN: &str = "we cant log into the trackman";

/// The decision for the scenario in which `gate` fails.
fn scenario(gate: Gate) -> Decision {
    let with = |config: Config| trained(config);
    let fresh = conversation("scenario");
    match gate {
        Gate::NeighbourAgreement => {
            let mut config = low_tiers(Config::default());
            config.gates.neighbours = 50;
            decide(&with(config), LOGIN, &fresh)
        }
        Gate::Margin => {
            let mut config = low_tiers(Config::default());
            config.gates.min_margin = 0.999;
            config.gates.clear_lead = 0.999;
            decide(&with(config), NEAR_LOGIN, &fresh)
        }
        Gate::Similarity => {
            let mut config = low_tiers(Config::default());
            config.gates.min_similarity = 0.999;
            decide(&with(config), NEAR_LOGIN, &fresh)
        }
        Gate::Support => {
            let mut config = Config::default();
            config.gates.min_support = 1000;
            decide(&with(config), LOGIN, &fresh)
        }
        Gate::UnexplainedWords => {
            // Two words no example of the reply (or of any reply) ever had.
            let config = low_tiers(Config::default());
            decide(
                &with(config),
                "i can't log in to the trackman zebras giraffes",
                &fresh,
            )
        }
        Gate::Active => {
            let f = with(Config::default());
            f.engine.set_active(f.pattern, false).expect("deactivated");
            decide(&f, LOGIN, &fresh)
        }
        Gate::AutoExecutable => {
            let f = with(Config::default());
            f.engine
                .set_auto_executable(f.pattern, false)
                .expect("revoked");
            decide(&f, LOGIN, &fresh)
        }
        Gate::TemplateComplete => {
            let f = with(Config::default());
            set_reply(&f, "Bay {{bay_number}} is reset.");
            decide(&f, LOGIN, &fresh)
        }
        Gate::NoPlaceholder => {
            let f = with(Config::default());
            set_reply(&f, "Hi {{customer_name}}, play as Guest.");
            decide(&f, LOGIN, &fresh.customer_name("{{evil}}"))
        }
        Gate::MinExamples => {
            // The trusted pattern has 8 distinct trigger examples.
            let f = with(Config::default());
            f.engine
                .update_safety_settings(&json!({"minExamplesRequired": 10}))
                .expect("valid");
            decide(&f, LOGIN, &fresh)
        }
        Gate::OperatorApprovals => {
            let config = Config {
                approvals_before_auto_send: 100,
                ..Config::default()
            };
            decide(&with(config), LOGIN, &fresh)
        }
        Gate::AutoThreshold => {
            let mut config = Config::default();
            config.thresholds.auto = 0.9999;
            decide(&with(config), NEAR_LOGIN, &fresh)
        }
        Gate::ConversationLocked => {
            let f = with(Config::default());
            decide(&f, "this is ridiculous", &fresh);
            decide(&f, LOGIN, &fresh)
        }
        Gate::GlobalCooldown => {
            let f = with(Config::default());
            f.engine
                .record_operator_message("scenario", Some("what are your hours?"))
                .expect("takeover recorded");
            decide(&f, LOGIN, &fresh)
        }
        Gate::OperatorActive => {
            let f = with(Config::default());
            f.engine
                .update_safety_thresholds(&json!({"topicLockoutEnabled": false}))
                .expect("valid");
            f.engine
                .record_operator_message("scenario", Some(LOGIN))
                .expect("takeover recorded");
            decide(&f, LOGIN, &fresh)
        }
        Gate::RapidMessages => {
            let f = with(Config::default());
            decide(&f, "hello?", &fresh);
            decide(&f, "anyone there?", &fresh);
            decide(&f, LOGIN, &fresh)
        }
        Gate::AiReplyLimit => {
            let mut config = Config::default();
            config.guards.max_pattern_uses_per_conversation = 10;
            let f = with(config);
            f.engine
                .update_safety_thresholds(&json!({"aiResponseLimit": 1}))
                .expect("valid");
            assert!(decide(&f, LOGIN, &fresh).sends());
            f.clock.advance_secs(120);
            decide(&f, LOGIN, &fresh)
        }
        Gate::PatternReuseLimit => {
            let f = with(Config::default());
            assert!(decide(&f, LOGIN, &fresh).sends());
            f.clock.advance_secs(120);
            decide(&f, LOGIN, &fresh)
        }
        Gate::RateLimited => {
            let mut config = Config::default();
            config.guards.max_auto_sends_per_hour = Some(1);
            let f = with(config);
            assert!(decide(&f, LOGIN, &conversation("other")).sends());
            decide(&f, LOGIN, &fresh)
        }
        Gate::DuplicateMessage => {
            let f = with(Config::default());
            let ctx = fresh.message_id("openphone-1");
            assert!(decide(&f, LOGIN, &ctx).sends());
            decide(&f, LOGIN, &ctx)
        }
        Gate::Enabled => {
            let config = Config {
                enabled: false,
                ..Config::default()
            };
            decide(&with(config), LOGIN, &fresh)
        }
        Gate::NotShadow => {
            let config = Config {
                shadow_mode: true,
                ..Config::default()
            };
            decide(&with(config), LOGIN, &fresh)
        }
        other => panic!("no scenario for the gate {other:?}: add one to this table"),
    }
}

fn set_reply(f: &Fixture, template: &str) {
    let update = PatternUpdate {
        response_template: Some(template.into()),
        ..PatternUpdate::default()
    };
    f.engine.update_pattern(f.pattern, update).expect("updated");
}

fn sends_reply(d: &Decision) -> bool {
    d.outbound
        .as_ref()
        .is_some_and(|o| o.kind == OutboundKind::Reply)
}

#[test]
fn the_baseline_auto_sends() {
    let d = decide(
        &trained(Config::default()),
        LOGIN,
        &conversation("scenario"),
    );
    assert_eq!(d.action, Action::AutoExecute, "{d:?}");
    assert!(sends_reply(&d));
    assert!(d
        .evidence
        .gates
        .iter()
        .all(|g| g.passed || g.gate == "clear_lead"));
    let low = decide(
        &trained(low_tiers(Config::default())),
        NEAR_LOGIN,
        &conversation("scenario"),
    );
    assert_eq!(low.action, Action::AutoExecute, "{low:?}");
}

#[test]
fn nothing_is_auto_sent_when_any_gate_fails() {
    let mut checked = 0;
    for gate in Gate::all() {
        if gate == Gate::ClearLead {
            // Shown in the evidence, blocks nothing: a lead only lowers the
            // agreement the neighbour gate asks for.
            assert_eq!(gate.reason(), None);
            continue;
        }
        let d = scenario(gate);
        assert!(
            !sends_reply(&d),
            "{gate:?} failed, yet the reply was sent: {d:?}"
        );
        match gate {
            Gate::NotShadow => {
                assert_eq!(d.action, Action::Shadow, "{d:?}");
                assert_eq!(d.would_action, Some(Action::AutoExecute), "{d:?}");
            }
            // An inactive pattern is never proposed: nothing matches.
            Gate::Active => assert_eq!(d.reason, Reason::NoMatchingPattern, "{d:?}"),
            _ => assert_eq!(Some(d.reason), gate.reason(), "{gate:?}: {d:?}"),
        }
        if matches!(gate.kind(), GateKind::Match | GateKind::Pattern) && gate != Gate::Active {
            let check = d.evidence.gates.iter().find(|g| g.gate == gate.name());
            assert!(
                check.is_some_and(|c| !c.passed),
                "{gate:?} is not shown failed in the evidence: {:?}",
                d.evidence.gates
            );
        }
        if gate.kind() == GateKind::Guard && d.action == Action::Suggest {
            assert!(d
                .evidence
                .gates
                .iter()
                .any(|g| g.gate == gate.name() && !g.passed));
        }
        checked += 1;
    }
    assert_eq!(checked, Gate::all().count() - 1);
}
