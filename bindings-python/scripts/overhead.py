#!/usr/bin/env python3
"""Measures the call overhead of Engine.process (Python -> Rust -> Python).

overhead = (time of engine.process(...) called from Python, timeit)
         - (time of the same core Engine::process call measured inside Rust)

for the same engine state and message, next to a trivial native call
(pattern_learning._native.version()). Prints a Markdown table (µs per call,
best of --repeat runs).

Usage: python bindings-python/scripts/overhead.py [--data examples/data/demo_inbox.jsonl]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import platform
import timeit

import pattern_learning as pl
from pattern_learning import _native

REPO = pathlib.Path(__file__).resolve().parents[2]


def best(stmt, number: int, repeat: int) -> float:
    """Best seconds per call over `repeat` runs of `number` calls."""
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(REPO / "examples" / "data" / "demo_inbox.jsonl"))
    ap.add_argument("--number", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    taught = pl.Engine()
    with open(args.data, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for r in rows:
        if r["split"] == "train":
            taught.feedback(r["text"], "answer", f"RESPONSE:{r['intent']}")
    message = "the projector in bay 2 is really blurry"
    empty = pl.Engine()
    n, rep = args.number, args.repeat

    trivial = best(_native.version, n, rep)
    cases = [
        ("empty engine, `process(\"\")` (escalated at once)", empty, "", {}),
        ("empty engine, `process(\"hello there\")`", empty, "hello there", {}),
        (
            "empty engine, `process(\"hello there\", customer_name=..., phone=..., variables=...)`",
            empty,
            "hello there",
            {"phone": "+19025550100", "customer_name": "Sam", "variables": {"site": "Bedford"}},
        ),
        (f"taught engine ({taught.pattern_count()} patterns), realistic message", taught, message, {}),
        (
            "taught engine, same message with `phone`, `customer_name`, `variables`",
            taught,
            message,
            {"phone": "+19025550100", "customer_name": "Sam", "variables": {"site": "Bedford"}},
        ),
    ]
    print(f"Python {platform.python_version()}, {platform.machine()}, pattern_learning {pl.__version__}")
    print()
    print("| call | from Python (µs) | inside Rust (µs) | binding overhead (µs) |")
    print("|---|---:|---:|---:|")
    print(f"| trivial native call `_native.version()` | {trivial * 1e6:.3f} | – | – |")
    for label, engine, text, ctx in cases:
        py = best(lambda: engine.process(text, **ctx), n // 4 if engine is taught else n, rep)
        rust = min(engine._time_process(text, n // 4 if engine is taught else n, **ctx) for _ in range(rep))
        print(f"| {label} | {py * 1e6:.3f} | {rust * 1e6:.3f} | {(py - rust) * 1e6:.3f} |")
    d = taught.process(message)
    attr = best(lambda: (d.action, d.confidence, d.response, d.pattern_id), n, rep)
    ev = best(lambda: d.evidence, n // 4, rep)
    print(f"| reading `action`, `confidence`, `response`, `pattern_id` of a Decision | {attr * 1e6:.3f} | – | – |")
    print(f"| reading `evidence` (dict built on access) | {ev * 1e6:.3f} | – | – |")


if __name__ == "__main__":
    main()
