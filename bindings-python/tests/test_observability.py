"""Issue 11: metrics as a dict, Prometheus text, callback subscribers,
environment profiles."""

from __future__ import annotations

import threading

import pytest

from pattern_learning import Engine, InvalidConfigError

GIFT = "Yes! Buy them online."


def test_metrics_add_up_to_the_decisions_made():
    engine = Engine()
    actions: dict[str, int] = {}
    for text in ["hello", "do you sell gift cards", "", "opening hours?"] * 3:
        d = engine.process(text)
        actions[d.action] = actions.get(d.action, 0) + 1
    engine.feedback("gift cards?", "answer", GIFT)
    m = engine.metrics()
    assert isinstance(m, dict)
    assert m["decisions"] == 12
    assert {k: v for k, v in m["decisions_by_action"].items() if v} == actions
    assert sum(m["decisions_by_reason"].values()) == 12
    assert m["confidence"]["escalate"]["count"] == actions["escalate"]
    assert m["process_latency_us"]["count"] == 12
    assert m["feedback"]["answered"] == 1
    assert m["patterns"]["total"] == 1
    assert m["suggestion_precision"] is None
    text = engine.prometheus()
    assert 'pattern_learning_decisions_total{action="escalate",reason="empty_message"} 3' in text


def test_a_callback_sees_every_decision_and_feedback():
    engine = Engine()
    events: list[dict] = []
    sub = engine.subscribe(events.append)
    d = engine.process("do you sell gift cards")
    engine.feedback("gift cards?", "answer", GIFT)
    sub.flush()
    assert [e["type"] for e in events] == ["decision", "feedback"]
    assert events[0]["decision"]["action"] == d.action
    assert events[0]["decision"]["confidence"] == d.confidence
    assert events[1]["outcome"]["created"] is True
    assert sub.delivered == 2 and sub.failed == 0
    sub.unsubscribe()
    engine.process("after")
    assert len(events) == 2


def test_a_raising_or_slow_callback_never_breaks_processing():
    engine = Engine()

    def bad(_event):
        raise RuntimeError("subscriber bug")

    gate = threading.Event()

    def slow(_event):
        gate.wait(10)

    failing = engine.subscribe(bad)
    blocked = engine.subscribe(slow, capacity=2)
    for i in range(50):
        assert engine.process(f"question {i}").action == "escalate"
    failing.flush()
    assert failing.failed == 50
    assert blocked.dropped > 0
    gate.set()
    blocked.flush()
    assert blocked.delivered + blocked.dropped == 50
    assert engine.metrics()["events_dropped"] == blocked.dropped


def test_subscribe_needs_a_callable():
    with pytest.raises(TypeError):
        Engine().subscribe("not callable")


def test_environment_profiles_layer_under_explicit_settings(monkeypatch):
    prod = Engine(config={"environment": "production", "thresholds.auto": 0.9})
    assert prod.config["approvals_before_auto_send"] == 2
    assert prod.config["thresholds"]["auto"] == 0.9
    explained = prod.explain_config()
    assert any(
        line.startswith("approvals_before_auto_send") and line.endswith("environment production")
        for line in explained.splitlines()
    )
    monkeypatch.setenv("PATTERN_LEARNING_ENV", "development")
    dev = Engine()
    assert dev.config["shadow_mode"] is True
    assert Engine(config={"shadow_mode": False}).config["shadow_mode"] is False
    monkeypatch.setenv("PATTERN_LEARNING_ENV", "prodution")
    with pytest.raises(InvalidConfigError):
        Engine()


def test_prometheus_text_is_read_by_the_reference_parser():
    """Issue 27: the exposition as a Prometheus server reads it (prometheus_client's
    text parser), with the conventions of its names: `_total` counters, histograms
    with cumulative `le` buckets, `_sum` and `_count`, latencies in seconds."""
    from prometheus_client.parser import text_string_to_metric_families

    engine = Engine()
    engine.feedback("gift cards?", "answer", GIFT)
    d = engine.process("do you sell gift cards")
    engine.feedback("do you sell gift cards", "approve", decision=d)
    for text in ["hello", "", "opening hours?"]:
        engine.process(text)
    m = engine.metrics()

    families = {f.name: f for f in text_string_to_metric_families(engine.prometheus())}
    # The parser names a counter family without `_total`; its samples keep it.
    counters = {n for n, f in families.items() if f.type == "counter"}
    assert counters == {
        f"pattern_learning_{n}"
        for n in ["decisions", "auto_sends", "feedback", "guard_triggers", "errors",
                  "store_errors", "events_dropped", "alerts"]
    }
    for name in counters:
        assert all(s.name == f"{name}_total" for s in families[name].samples), name

    def samples(family, suffix=""):
        return [s for s in families[family].samples if s.name == family + suffix]

    decisions = samples("pattern_learning_decisions", "_total")
    assert sum(s.value for s in decisions) == m["decisions"] == 4
    for action, n in m["decisions_by_action"].items():
        assert sum(s.value for s in decisions if s.labels["action"] == action) == n

    for name in ["pattern_learning_process_duration_seconds", "pattern_learning_decision_confidence"]:
        assert families[name].type == "histogram", name
        series: dict[tuple, list] = {}
        for s in samples(name, "_bucket"):
            key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            series.setdefault(key, []).append((s.labels["le"], s.value))
        counts = {tuple(sorted(s.labels.items())): s.value for s in samples(name, "_count")}
        sums = {tuple(sorted(s.labels.items())): s.value for s in samples(name, "_sum")}
        assert series and set(series) == set(counts) == set(sums), name
        for key, buckets in series.items():
            values = [v for _, v in buckets]
            assert values == sorted(values), f"{name}{key}: not cumulative"
            assert buckets[-1] == ("+Inf", counts[key]), name

    latency = families["pattern_learning_process_duration_seconds"]
    (count,) = [s.value for s in latency.samples if s.name.endswith("_count")]
    (total_s,) = [s.value for s in latency.samples if s.name.endswith("_sum")]
    assert count == m["process_latency_us"]["count"] == 4
    assert total_s == pytest.approx(m["process_latency_us"]["sum"] / 1e6)
    assert 0 < total_s < 1, "seconds, not microseconds"

    (precision,) = families["pattern_learning_suggestion_precision_ratio"].samples
    assert precision.value == m["suggestion_precision"] == 1.0
    assert families["pattern_learning_suggestion_precision_ratio"].type == "gauge"
