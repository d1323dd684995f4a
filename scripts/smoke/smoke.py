"""Smoke test of the installed Python package (scripts/release): process a message,
learn from an answer, keep it in a store file, reopen the file, read the metrics."""

import sys

from pattern_learning import Engine

FILE = "patterns.db"

with Engine.open(FILE) as engine:
    first = engine.process("Do you sell gift cards?", conversation_id="c1")
    assert first.action == "escalate", first.action
    engine.feedback("Do you sell gift cards?", "answer", "Yes! Online.", decision=first)

with Engine.open(FILE) as engine:
    assert engine.pattern_count() == 1, "the learned pattern is in the store file"
    d = engine.process("do you sell gift cards", conversation_id="c2")
    assert d.response == "Yes! Online.", d.response
    m = engine.metrics()
    assert m["decisions"] == 1, m["decisions"]
    assert f'pattern_learning_decisions_total{{action="{d.action}",' in engine.prometheus()

print(
    f"python package OK ({sys.argv[1] if len(sys.argv) > 1 else 'installed'}): learned, stored, "
    f"reopened; then {d.action} ({d.confidence:.2f}); {m['decisions']} decision counted"
)
