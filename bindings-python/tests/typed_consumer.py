"""A consumer of the installed package, type-checked with ``mypy --strict`` by
test_types.py and then run: a durable engine, a decision, feedback, metrics, the
Prometheus text and a typed error, as an analyst's script or a service uses them.

The lines marked ``type: ignore[...]`` are mistakes the types must catch: under
``--strict`` (``--warn-unused-ignores``) mypy fails if one of them is not an error.
"""

from __future__ import annotations

import pathlib
from typing import Any, Dict, Optional

import pattern_learning as pl
from pattern_learning import Decision, Engine, UnknownPatternError


def describe(d: Decision) -> str:
    if d.action == "auto_execute":
        outbound: Optional[Dict[str, str]] = d.outbound
        return f"send {outbound}"
    if d.action in ("suggest", "queue"):
        return f"propose {d.response!r} ({d.confidence:.2f})"
    return f"hand off: {d.reason}"


def run(folder: pathlib.Path) -> str:
    with Engine.open(folder / "patterns.db", profile="seed") as engine:
        first = engine.process("Do you sell gift cards?", conversation_id="c1")
        assert first.action == "escalate", describe(first)
        engine.feedback("Do you sell gift cards?", "answer", "Yes, online.", decision=first)
        d = engine.process("do you sell gift cards", conversation_id="c2")
        assert d.response == "Yes, online.", describe(d)
        metrics: Dict[str, Any] = engine.metrics()
        text: str = engine.prometheus()
        assert metrics["decisions"] == 2 and "pattern_learning_decisions_total" in text
        try:
            engine.delete_pattern(99)
        except UnknownPatternError as e:
            code: str = e.code
            assert code == "UNKNOWN_PATTERN"
        else:
            raise AssertionError("delete_pattern(99) must fail")
        return f"{describe(d)}; pattern-learning {pl.__version__}"


def mistakes(engine: Engine) -> None:
    """Never called: each line is a type error."""
    engine.process(42)  # type: ignore[arg-type]
    engine.feedback("text", "thumbs-up")  # type: ignore[arg-type]
    confidence: str = engine.process("hi").confidence  # type: ignore[assignment]
    del confidence
