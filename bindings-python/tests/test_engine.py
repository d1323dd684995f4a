"""The Engine API: process, feedback, pattern management, DataFrame views,
configuration, context manager, threads."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

import pattern_learning as pl
from pattern_learning import Engine

GIFT = "Yes! Buy them online."
HOURS = "We are open 24/7."
GIFT_QS = [
    "do you sell gift cards",
    "can i buy a gift card",
    "do you have gift cards for sale",
    "where can i get a gift card",
    "gift cards available?",
    "i want to buy a gift card",
    "are gift cards sold here",
]
HOURS_QS = [
    "what are your hours",
    "when are you open",
    "what time do you close",
    "are you open late",
    "opening hours please",
    "what are your opening hours today",
]


def teach(engine: Engine, rounds: int = 2) -> None:
    """A perfect operator: approves right proposals, answers everything else."""
    for _ in range(rounds):
        for questions, reply in ((GIFT_QS, GIFT), (HOURS_QS, HOURS)):
            for q in questions:
                d = engine.process(q)
                if d.action == "auto_execute":
                    continue
                if d.response == reply and d.action in ("suggest", "queue"):
                    engine.feedback(q, "approve", decision=d)
                else:
                    engine.feedback(q, "answer", reply, decision=d)


#: Settings for tests that need automatic sends from a handful of examples: the
#: neighbour-agreement gate is meant for inboxes with many examples per reply.
FEW_EXAMPLES = {"gates": {"neighbours": 1}}


@pytest.fixture
def small_engine():
    with Engine(config=FEW_EXAMPLES) as e:
        yield e


def auto_query(engine: Engine) -> str:
    """A question the taught engine answers automatically."""
    for q in GIFT_QS:
        if engine.process(q).action == "auto_execute":
            return q
    raise AssertionError("after teaching, no gift-card question is auto-executed")


def test_unknown_message_is_escalated_silently(engine):
    d = engine.process("Do you sell gift cards?", conversation_id="c1")
    assert isinstance(d, pl.Decision)
    assert d.action == "escalate"
    assert d.reason == "no_matching_pattern"
    assert d.response is None and d.pattern_id is None and d.outbound is None
    assert d.sends is False
    assert d.confidence == 0.0
    assert isinstance(d.id, str) and len(d.id) == 36  # a UUID, unique across engines
    assert isinstance(d.evidence, dict) and d.evidence["match_kind"] == "none"
    assert d.safety == {"safe": True}
    assert d.topic
    assert "escalate" in repr(d)
    assert d.to_dict()["action"] == "escalate"


def test_answer_then_suggest_then_auto_execute(small_engine):
    engine = small_engine
    d = engine.process("Do you sell gift cards?")
    out = engine.feedback("Do you sell gift cards?", "answer", GIFT, decision=d)
    assert isinstance(out, pl.FeedbackOutcome)
    assert out.action == "answer" and out.created and out.learned_pattern == 1
    d = engine.process("do you sell gift cards")
    assert d.response == GIFT
    assert d.action in ("suggest", "queue")
    assert d.pattern_id == out.learned_pattern
    assert d.outbound is None

    teach(engine)
    d = engine.process(auto_query(engine))
    assert d.action == "auto_execute", d
    assert d.reason == "confident_match"
    assert d.outbound == {"kind": "reply", "text": GIFT}
    assert d.sends
    assert d.confidence > 0.85
    gates = {g["gate"]: g["passed"] for g in d.evidence["gates"]}
    assert gates["auto_executable"] is True
    assert engine.pattern(d.pattern_id).auto_executable


def test_feedback_actions(engine):
    teach(engine)
    d = engine.process("do you sell gift cards today")
    assert d.pattern_id is not None
    pid = d.pattern_id
    before = engine.pattern(pid).confidence

    o = engine.feedback("do you sell gift cards today", "reject", "Gift cards are sold at the desk.", decision=d)
    assert o.action == "reject" and o.judged_pattern == pid
    assert o.confidence_change[0] == pytest.approx(before)
    assert o.confidence_change[1] < before

    # decision given as an id
    d2 = engine.process("can i get a gift card")
    o = engine.feedback("can i get a gift card", "approve", decision=d2.id)
    assert o.judged_pattern == d2.pattern_id

    # pattern given explicitly; modify with the sent text
    o = engine.feedback("gift card?", "modify", "Yes, online or at the desk.", pattern_id=pid)
    assert o.action == "modify" and o.judged_pattern == pid

    # duplicate delivery of the same feedback id is ignored
    first = engine.feedback("hours?", "answer", HOURS, feedback_id="fb-1", operator="op-7")
    again = engine.feedback("hours?", "answer", HOURS, feedback_id="fb-1", operator="op-7")
    assert not first.duplicate and again.duplicate
    assert "action" in again.to_dict()


def test_pattern_management(engine):
    p = engine.create_pattern(
        ["Do you sell gift cards?", "can I buy a gift certificate"],
        "Hi {{customer_name|there}}, gift cards are sold online.",
        keywords=["gift card"],
        confidence=0.8,
        action_template={"type": "send_link", "url": "https://example.com/{{customer_name}}"},
    )
    assert isinstance(p, pl.Pattern)
    assert p.id == 1 and p.trigger_keywords == ["gift card"]
    assert p.confidence == pytest.approx(0.8)
    assert p.is_active and not p.auto_executable and not p.is_deleted
    assert p.provenance == "manual"
    assert isinstance(p.created_at, dt.datetime) and p.created_at.tzinfo is not None
    assert p.last_used is None
    assert p.action_template == {"type": "send_link", "url": "https://example.com/{{customer_name}}"}
    assert "Pattern(id=1" in repr(p)
    assert p.to_dict()["id"] == 1

    d = engine.process("do you sell gift cards?", customer_name="Sam")
    assert d.pattern_id == 1
    assert d.response == "Hi Sam, gift cards are sold online."
    assert d.actions == {"type": "send_link", "url": "https://example.com/Sam"}

    p = engine.update_pattern(1, response="Gift cards: online.", confidence=0.9, topic="gift_cards")
    assert p.response_template == "Gift cards: online." and p.confidence == pytest.approx(0.9)
    p = engine.update_pattern(1, clear_action_template=True, trigger_examples=["gift card please"])
    assert p.action_template is None and p.trigger_examples == ["gift card please"]

    assert engine.set_auto_executable(1, True).auto_executable
    assert not engine.set_active(1, False).is_active
    assert engine.process("gift card please").pattern_id is None  # inactive: never proposed
    assert engine.set_active(1, True).is_active

    assert engine.delete_pattern(1).is_deleted
    assert engine.pattern(1).is_deleted  # still readable
    assert engine.pattern(2) is None
    assert engine.patterns().empty
    assert len(engine.patterns(include_deleted=True)) == 1
    with pytest.raises(pl.UnknownPatternError):
        engine.update_pattern(1, confidence=0.5)
    assert not engine.restore_pattern(1).is_deleted
    with pytest.raises(pl.InvalidPatternError):
        engine.restore_pattern(1)  # not deleted
    assert engine.pattern_count() == 1
    assert [q.id for q in engine.pattern_list()] == [1]


def test_patterns_and_history_frames(engine):
    pd = pytest.importorskip("pandas")
    empty = engine.patterns()
    assert isinstance(empty, pd.DataFrame) and empty.empty
    assert list(empty.columns)[:3] == ["id", "topic", "response_template"]
    assert engine.history().empty

    teach(engine)
    engine.create_pattern(["where do i park"], "Park in the back lot.")
    df = engine.patterns()
    assert len(df) == 3
    assert df["id"].tolist() == [1, 2, 3]
    assert set(df["response_template"]) == {GIFT, HOURS, "Park in the back lot."}
    assert str(df["created_at"].dtype).startswith("datetime64")
    assert df.loc[df["id"] == 3, "provenance"].item() == "manual"
    assert (df["examples"] >= 1).all()

    h = engine.history()
    assert {"seq", "at", "kind", "pattern_id", "new_confidence"} <= set(h.columns)
    assert h["seq"].is_monotonic_increasing
    assert {"created", "answered", "approved"} <= set(h["kind"])
    assert "full" not in h.columns and "state" not in h.columns
    one = engine.history(3)
    assert one["pattern_id"].unique().tolist() == [3] and one["kind"].tolist() == ["created"]


def test_context_manager_and_close():
    with Engine() as e:
        assert not e.closed
        e.process("hello")
    assert e.closed
    assert repr(e) == "Engine(closed)"
    with pytest.raises(pl.EngineClosedError):
        e.process("hello")
    with pytest.raises(RuntimeError):  # EngineClosedError is a RuntimeError
        e.patterns()
    e.close()  # idempotent
    with pytest.raises(pl.EngineClosedError):
        with e:
            pass


def test_profiles_and_config():
    assert Engine().config["thresholds"]["auto"] == pytest.approx(0.85)
    v1 = Engine(profile="v1")
    assert v1.config["profile"] == "v1"
    assert v1.config["thresholds"]["inclusive"] is True
    assert "profile='v1'" in repr(v1)
    a = Engine(config={"thresholds": {"auto": 0.9}, "target_precision": 0.99})
    b = Engine(config={"thresholds.auto": 0.9, "target_precision": 0.99})
    assert a.config == b.config
    assert a.config["thresholds"]["auto"] == pytest.approx(0.9)
    new = a.update_config({"gates.min_support": 2})
    assert new["gates"]["min_support"] == 2 and a.config["gates"]["min_support"] == 2
    assert a.config["gates"]["clear_lead"] == pytest.approx(0.15)
    assert a.update_config({"gates.clear_lead_dissent": 0})["gates"]["clear_lead_dissent"] == 0
    a.update_config({"gates.clear_lead_dissent": 1})
    with pytest.raises(pl.ThresholdsOutOfOrderError):
        a.update_config({"thresholds.suggest": 0.95})
    assert a.config["thresholds"]["suggest"] == pytest.approx(0.60)  # all or nothing


def test_shadow_mode_and_disabled(small_engine):
    engine = small_engine
    teach(engine)
    q = auto_query(engine)
    engine.update_config({"shadow_mode": True})
    d = engine.process(q)
    assert d.action == "shadow" and d.would_action == "auto_execute" and d.outbound is None
    engine.update_config({"shadow_mode": False, "enabled": False})
    d = engine.process(q)
    assert d.action == "escalate" and d.reason == "disabled" and d.outbound is None


def test_context_fields(engine):
    engine.create_pattern(["what is the booking link"], "Book here: {{booking_link}}")
    d = engine.process(
        "what is the booking link",
        conversation_id="c1",
        phone="+19025550100",
        customer_name="Sam",
        message_id="m-1",
        variables={"booking_link": "https://example.com/book"},
    )
    assert d.response == "Book here: https://example.com/book"
    assert d.message_id == "m-1"
    again = engine.process("what is the booking link", message_id="m-1")
    assert again.reason == "duplicate_message" and again.outbound is None


def test_embeddings(engine):
    np = pytest.importorskip("numpy")
    engine.create_pattern(["do you sell gift cards"], GIFT, embeddings=[[1.0, 0.0, 0.0]])
    d = engine.process("gift cards?", embedding=np.array([1.0, 0.0, 0.0]))
    assert d.pattern_id == 1
    d = engine.process("gift cards?", embedding=(0.9, 0.1, 0.0))
    assert d.pattern_id == 1
    with pytest.raises(pl.InvalidEmbeddingError):
        engine.process("gift cards?", embedding=[1.0, 0.0])  # wrong dimension


def test_process_batch_matches_process(engine):
    teach(engine)
    texts = ["can i buy gift cards", "when are you open", "do you rent clubs", ""]
    batch = engine.process_batch(texts)
    assert [d.action for d in batch] == [engine.process(t).action for t in texts]
    assert [d.response for d in batch] == [engine.process(t).response for t in texts]
    with pytest.raises(TypeError):
        engine.process_batch("not a list")


def test_safety_settings(engine):
    s = engine.update_safety_settings({"escalationKeywords": ["zebracorn"]})
    assert "zebracorn" in str(s)
    d = engine.process("I saw a zebracorn in bay 2")
    assert d.action == "escalate" and d.reason == "safety_escalation"
    assert engine.check_message_safety("I saw a zebracorn in bay 2")["safe"] is False
    assert isinstance(engine.safety_thresholds, dict)
    assert isinstance(engine.safety_settings, dict)


def test_threads_share_one_engine():
    engine = Engine(config=FEW_EXAMPLES)
    teach(engine)
    expected = engine.process("can i buy gift cards").response
    results, errors = [], []

    def work():
        try:
            for _ in range(200):
                results.append(engine.process("can i buy gift cards").response)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [expected] * 800


def test_memory_and_version(engine):
    assert isinstance(engine.memory_bytes(), int)
    assert pl.__version__ == pl._native.version()


def test_feedback_naming_an_unknown_decision_is_a_typed_error():
    engine = Engine()
    unknown = "0190f3c2-7a1e-7c3d-9f4e-000000000001"
    with pytest.raises(pl.UnknownDecisionError) as e:
        engine.feedback("gift cards?", "approve", decision=unknown)
    assert e.value.decision_id == unknown
    assert isinstance(e.value, LookupError)
