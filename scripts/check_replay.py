#!/usr/bin/env python3
"""Checks the last JSON line of `examples/replay --json` against the quality bar.

Usage: check_replay.py {demo|clinc150|clinc150_oos|banking77|banking77_unknown} FILE

The bars are the project's targets (seed 1, default settings, the built-in static
embedder) on the DEV configuration (warm-up train, evaluate val) and its variants:
`clinc150_oos` evaluates CLINC150 val together with the out-of-scope queries of
clinc150_oos.jsonl (`--data clinc150.jsonl --data clinc150_oos.jsonl --eval val,oos_dev`),
`banking77_unknown` treats a quarter of the Banking77 intents as unknown
(`--unknown-intents 0.25`). A miss exits 1.

`clinc150_oos` is held to a regression guard, not to its target: the target (at most 2
out-of-scope auto-sends of 748 and at most 2 wrong per 1000) is not met yet
(BENCHMARKS.md, "Out of scope"); the guard is the level measured with the default
settings, so a change can only keep or lower it.
"""
import json
import sys

BARS = {
    # name: (max wrong auto-sends per 1000, max oos auto-sends, min automation)
    "demo": (2.0, 0, 0.25),
    "clinc150": (2.0, 1, 0.40),
    # A regression guard (see the docstring); the target is (2.0, 2, 0.36).
    "clinc150_oos": (2.7, 6, 0.36),
    "banking77": (3.0, None, 0.30),
    "banking77_unknown": (None, 1, None),
}


def main() -> int:
    name, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    metrics = json.loads(lines[-1])
    max_wrong, max_oos, min_auto = BARS[name]
    problems = []
    if max_wrong is not None and metrics["wrong_auto_per_1000"] > max_wrong:
        problems.append(f"wrong auto-sends per 1000 {metrics['wrong_auto_per_1000']:.2f} > {max_wrong}")
    if max_oos is not None and metrics["oos_auto_sends"] > max_oos:
        problems.append(f"out-of-scope auto-sends {metrics['oos_auto_sends']} > {max_oos}")
    if min_auto is not None and metrics["automation_rate"] < min_auto:
        problems.append(f"automation {metrics['automation_rate']:.3f} < {min_auto}")
    summary = (
        f"{name}: automation {100 * metrics['automation_rate']:.1f}%, "
        f"wrong/1000 {metrics['wrong_auto_per_1000']:.2f}, "
        f"oos auto-sends {metrics['oos_auto_sends']} of {metrics['oos_messages']}, "
        f"p50 {metrics['p50_us']:.0f} us, p99 {metrics['p99_us']:.0f} us, total {metrics['elapsed_s']:.1f} s"
    )
    print(summary)
    for p in problems:
        print(f"QUALITY BAR MISSED: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
