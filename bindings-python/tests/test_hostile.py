"""Hostile input: nothing reachable from Python panics or crashes the interpreter;
bad types raise TypeError, bad values ValueError (or a subclass)."""

from __future__ import annotations

import math

import pytest

import pattern_learning as pl
from pattern_learning import Engine


@pytest.fixture(scope="module")
def taught():
    e = Engine()
    for q in ["do you sell gift cards", "can i buy a gift card", "gift cards for sale?"]:
        e.feedback(q, "answer", "Yes! Buy them online.")
    return e


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\t\r",
        "\x00",
        "gift\x00cards",
        "\x00" * 10_000,
        "🎁" * 1000,
        "مرحبا هل تبيعون بطاقات الهدايا",
        "\u202egift cards\u202c",
        "a" * (1 << 20),  # 1 MB
        "gift cards " * 100_000,  # 1.1 MB with words
        "\ufeff\u200b\u200d",
        "{{customer_name}} {{",
    ],
    ids=lambda t: f"{t[:12]!r}..{len(t)}",
)
def test_process_always_decides(taught, text):
    d = taught.process(text)
    assert d.action in {"auto_execute", "suggest", "queue", "escalate", "shadow"}
    assert 0.0 <= d.confidence <= 1.0


def test_empty_and_huge_are_escalated(taught):
    assert taught.process("").reason == "empty_message"
    assert taught.process("a" * (1 << 20)).reason == "message_too_long"


@pytest.mark.parametrize("text", ["\ud800", "gift cards \udfff", "\udc80\udc80 hi"])
def test_lone_surrogates(taught, text):
    # Customer text: replaced with U+FFFD, never an exception.
    d = taught.process(text)
    assert d.action in {"suggest", "queue", "escalate", "auto_execute"}
    # Stored text (replies, examples): refused as invalid Unicode (a ValueError).
    with pytest.raises(ValueError):
        taught.create_pattern([text + " words"], "reply")
    with pytest.raises(ValueError):
        taught.create_pattern(["some words"], "reply " + text)
    with pytest.raises(ValueError):
        taught.feedback("hello there", "answer", "reply " + text)


@pytest.mark.parametrize("bad", [None, 123, 1.5, b"bytes", ["list"], {"a": 1}, object()])
def test_process_wrong_type(taught, bad):
    with pytest.raises(TypeError):
        taught.process(bad)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"conversation_id": 5},
        {"phone": 5551234},
        {"customer_name": b"Sam"},
        {"message_id": 1.0},
        {"embedding": "1,2,3"},
        {"embedding": 3.0},
        {"embedding": [1.0, "x"]},
        {"embedding": [True, False]},
        {"variables": ["not", "a", "dict"]},
        {"variables": {1: "non-str key"}},
        {"variables": {"x": object()}},
        {"variables": {"x": {1, 2}}},
    ],
)
def test_process_wrong_context_types(taught, kwargs):
    with pytest.raises(TypeError):
        taught.process("gift cards", **kwargs)


def test_process_unknown_keyword(taught):
    with pytest.raises(TypeError):
        taught.process("gift cards", customer="Sam")


@pytest.mark.parametrize(
    "variables",
    [
        {"x": float("nan")},
        {"x": float("inf")},
        {"x": 2**70},
    ],
)
def test_process_bad_variable_values(taught, variables):
    with pytest.raises(ValueError):
        taught.process("gift cards", variables=variables)


def test_deeply_nested_variables(taught):
    deep: dict = {}
    cur = deep
    for _ in range(200):
        cur["x"] = {}
        cur = cur["x"]
    with pytest.raises(ValueError, match="nested"):
        taught.process("gift cards", variables=deep)
    cyclic: dict = {}
    cyclic["self"] = cyclic
    with pytest.raises(ValueError):
        taught.process("gift cards", variables=cyclic)


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), -float("inf")],
    ids=["nan", "inf", "-inf"],
)
def test_non_finite_thresholds(value):
    for config in (
        {"thresholds.auto": value},
        {"thresholds": {"queue": value}},
        {"target_precision": value},
        {"learning": {"approve": value}},
    ):
        with pytest.raises(pl.InvalidConfigError):
            Engine(config=config)


@pytest.mark.parametrize(
    "config,exc",
    [
        ([("thresholds.auto", 0.9)], TypeError),
        ("thresholds.auto=0.9", TypeError),
        ({"thresholds.auto": "high"}, pl.InvalidConfigError),
        ({"thresholds.auto": None}, pl.InvalidConfigError),
        ({"gates.neighbours": 2.5}, pl.InvalidConfigError),
        ({"gates.neighbours": -1}, pl.InvalidConfigError),
        ({"gates.neighbours": 0}, pl.InvalidConfigError),
        ({"enabled": "yes"}, pl.InvalidConfigError),
        ({"thresholds": 0.9}, pl.InvalidConfigError),
        ({"profile": "v1"}, pl.InvalidConfigError),
        ({"max_message_bytes": 2**40}, pl.InvalidConfigError),
        ({1: 0.9}, TypeError),
    ],
)
def test_bad_config(config, exc):
    with pytest.raises(exc):
        Engine(config=config)


def test_bad_config_is_value_error():
    with pytest.raises(ValueError):
        Engine(config={"thresholds.auto": "high"})


@pytest.mark.parametrize("profile", [1, None, b"seed", ["seed"]])
def test_bad_profile_type(profile):
    with pytest.raises(TypeError):
        Engine(profile=profile)


def test_positional_engine_args_are_refused():
    with pytest.raises(TypeError):
        Engine("seed")


@pytest.mark.parametrize("pid,exc", [("1", TypeError), (1.0, TypeError), (True, TypeError), (None, TypeError), (-1, ValueError), (2**64, ValueError)])
def test_bad_pattern_ids(taught, pid, exc):
    with pytest.raises(exc):
        taught.delete_pattern(pid)
    with pytest.raises(exc):
        taught.pattern(pid)


def test_bad_feedback_arguments(taught):
    with pytest.raises(ValueError):
        taught.feedback("gift cards", "maybe", "reply")
    with pytest.raises(TypeError):
        taught.feedback("gift cards", 1, "reply")
    with pytest.raises(TypeError):
        taught.feedback("gift cards", "answer", 42)
    with pytest.raises(pl.ParseError):
        taught.feedback("gift cards", "approve", decision="d-1")
    with pytest.raises(TypeError):
        taught.feedback("gift cards", "approve", decision=1.5)
    with pytest.raises(TypeError):
        taught.feedback(None, "answer", "reply")
    with pytest.raises(TypeError):
        taught.feedback("gift cards", "answer", "reply", embedding="x")


def test_bad_pattern_arguments(taught):
    with pytest.raises(TypeError):
        taught.create_pattern("a single string", "reply")
    with pytest.raises(TypeError):
        taught.create_pattern([1, 2], "reply")
    with pytest.raises(TypeError):
        taught.create_pattern(["hello there"], None)
    with pytest.raises(TypeError):
        taught.create_pattern(["hello there"], "reply", confidence="high")
    with pytest.raises(TypeError):
        taught.create_pattern(["hello there"], "reply", active=1)
    with pytest.raises(TypeError):
        taught.create_pattern(["hello there"], "reply", keywords="gift")
    with pytest.raises(TypeError):
        taught.create_pattern(["hello there"], "reply", action_template=object())
    with pytest.raises(TypeError):
        taught.set_active(1, "yes")
    with pytest.raises(TypeError):
        taught.update_safety_settings(["x"])


def test_nul_and_unicode_round_trip(taught):
    reply = "Réponse\x00 avec NUL et emoji 🎉"
    p = taught.create_pattern(["nul\x00 question here"], reply)
    assert taught.pattern(p.id).response_template == reply
    d = taught.process("nul\x00 question here")
    assert d.response == reply
    taught.delete_pattern(p.id)


def test_decision_attributes_are_read_only(taught):
    d = taught.process("gift cards")
    with pytest.raises(AttributeError):
        d.action = "auto_execute"  # type: ignore[misc]
    assert not math.isnan(d.confidence)


@pytest.mark.parametrize("seconds", [0, -(2**63), 2**63 - 1])
def test_extreme_simulated_time_does_not_crash(demo_path, seconds):
    m = pl.replay(demo_path, seconds_per_message=seconds).metrics
    assert m["messages"] == 517


def test_huge_seed_and_window(demo_path):
    m = pl.replay(demo_path, seed=2**64 - 1, window=2**62).metrics
    assert m["seed"] == 2**64 - 1


# ---- The hostile-input matrix (RELIABILITY.md): one assertion per row. ----

MB = 1_000_000
TEMPLATE = "Hi {{customer_name|there}}, tap Guest on the login screen."
LOGIN = [
    "i can't log in to the trackman",
    "the qr code won't log us in",
    "cant login on the simulator",
    "trackman login is not working",
    "qr login failed",
]


@pytest.fixture()
def auto_sending():
    """An engine whose pattern auto-sends TEMPLATE for LOGIN[0] (loose gates, no approval rule)."""
    e = Engine(config={"gates": {"neighbours": 1, "min_margin": 0.0, "min_support": 1}})
    e.update_safety_settings({"requireApprovalForNew": False})
    p = e.create_pattern(LOGIN, TEMPLATE, confidence=1.0, auto_executable=True)
    for q in LOGIN:
        e.feedback(q + "!", "approve", pattern_id=p.id)
    check = e.process(LOGIN[0], conversation_id="fixture", customer_name="Sam")
    assert check.action == "auto_execute", check
    return e, p.id


@pytest.mark.parametrize("text", ["", " ", "\t\n\r", "\u3000\xa0", "\x00\x01\x1b\x7f", "🙂👍"])
def test_matrix_no_words_is_a_silent_hand_off(text):
    d = Engine().process(text)
    assert (d.action, d.reason) == ("escalate", "empty_message")
    assert d.outbound is None


@pytest.mark.parametrize("size", [MB, 10 * MB], ids=["1MB", "10MB"])
def test_matrix_huge_messages_are_too_long(size):
    e = Engine()
    d = e.process("gift cards " * (size // 11))
    assert d.reason == "message_too_long"
    assert d.outbound is None
    with pytest.raises(pl.TextTooLongError):
        e.create_pattern(["a b"], "x" * size)
    with pytest.raises(pl.TextTooLongError):
        e.feedback("x" * size, "answer", "ok")


@pytest.mark.parametrize(
    "text",
    [
        "i can't\x00log in\x07 to the\x1btrackman",
        "\ud800i can't log in to the trackman\udfff",
        "ｉ ｃａｎ'ｔ ｌｏｇ ｉｎ ｔｏ ｔｈｅ ｔｒａｃｋｍａｎ",
        "\u202ei can't log in to the trackman\u202c",
        "i can't log in to the trackman 🙂🏌️‍♂️",
    ],
    ids=["nul-control", "lone-surrogates", "fullwidth", "rtl-override", "emoji"],
)
def test_matrix_odd_characters_still_reach_the_pattern(auto_sending, text):
    e, pid = auto_sending
    assert e.process(text, conversation_id=repr(text)).pattern_id == pid


def test_matrix_rtl_text_is_not_matched(auto_sending):
    # Semantic retrieval always finds a nearest example; an unrelated message gets
    # it only as a low-confidence hand-off, never as a reply.
    e, _ = auto_sending
    d = e.process("مرحبا هل تبيعون بطاقات الهدايا", conversation_id="rtl")
    assert d.action == "escalate"
    assert d.confidence < 0.4
    assert d.outbound is None


@pytest.mark.parametrize("name", ["{{constructor}}", "{{__proto__}}", "{{customer_name}}", "{{"])
def test_matrix_template_injection_is_never_sent(auto_sending, name):
    e, _ = auto_sending
    d = e.process(LOGIN[0], conversation_id="inj-" + name, customer_name=name)
    assert d.outbound is None
    assert d.action != "auto_execute"
    ok = e.process(LOGIN[0], conversation_id="ok-" + name, customer_name="Sam")
    assert ok.outbound == {"text": "Hi Sam, tap Guest on the login screen.", "kind": "reply"}


def test_matrix_sql_injection_is_plain_text(auto_sending):
    e, _ = auto_sending
    assert e.process("'; DROP TABLE patterns; --", conversation_id="sql").outbound is None
    p = e.create_pattern(["robert'); drop table students"], "'; DROP TABLE patterns; --")
    assert e.pattern(p.id).response_template == "'; DROP TABLE patterns; --"


@pytest.mark.parametrize(
    "config",
    [
        {"thresholds": {"queue": -0.1}},
        {"thresholds": {"auto": 1.5}},
        {"thresholds.suggest": -1.0},
    ],
)
def test_matrix_negative_or_out_of_range_thresholds(config):
    with pytest.raises(pl.InvalidConfigError):
        Engine(config=config)


@pytest.mark.parametrize(
    "config",
    [{"thresholds": {"autoo": 0.9}}, {"no_such_key": True}, {"__proto__": {"enabled": False}}],
)
def test_matrix_unknown_config_keys(config):
    with pytest.raises(ValueError):
        Engine(config=config)
    e = Engine()
    with pytest.raises(ValueError):
        e.update_config(config)
    assert e.config["enabled"] is True


def test_matrix_unknown_and_negative_safety_settings():
    e = Engine()
    with pytest.raises(pl.UnknownSettingError):
        e.update_safety_settings({"no_such_key": 1})
    with pytest.raises(pl.InvalidConfigError):
        e.update_safety_thresholds({"aiResponseLimit": -3})
