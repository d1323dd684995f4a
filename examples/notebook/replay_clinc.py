#!/usr/bin/env python3
"""Replays CLINC150 through pattern-learning, sweeps the auto-send threshold and
writes a PNG of automation against auto-send precision.

Runs headless (matplotlib's Agg backend):

    python examples/notebook/replay_clinc.py --data "$PATTERN_LEARNING_DATA/clinc150.jsonl" --out curve.png

(`clinc150.jsonl` is in the public data directory, by default `../shared/data`.)

Needs the Python package (bindings-python: `maturin develop --release`, or the
wheel) plus pandas and matplotlib. Any JSONL file with text / intent / split works
(e.g. banking77.jsonl, or the bundled examples/data/demo_inbox.jsonl).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import pattern_learning as pl  # noqa: E402

AUTO_THRESHOLDS = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99]
QUICK_THRESHOLDS = [0.6, 0.85, 0.95]


def pct(x) -> str:
    return "n/a" if x is None or x != x else f"{100 * x:.2f}%"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="JSONL file (text, intent, split[, id])")
    ap.add_argument("--out", default="curve.png", help="PNG to write")
    ap.add_argument("--csv", help="also write the sweep table as CSV")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--warmup", default="train")
    ap.add_argument("--eval", default="val")
    ap.add_argument("--target-precisions", default="none,0.99",
                    help="comma-separated target precisions for the sweep; `none` = fixed threshold")
    ap.add_argument("--quick", action="store_true", help="a 3-point grid (for smoke tests)")
    args = ap.parse_args()

    data = pl.load(args.data)
    print(f"{args.data}: {len(data)} messages, splits {data.splits()}", file=sys.stderr)

    t0 = time.perf_counter()
    result = pl.replay(data, warmup=args.warmup, eval=args.eval, seed=args.seed)
    m = result.metrics
    print(f"replay (default configuration) in {time.perf_counter() - t0:.1f} s:")
    print(f"  automation {pct(m['automation_rate'])}, auto-send precision {pct(m['auto_precision'])}, "
          f"wrong auto-sends/1000 {m['wrong_auto_per_1000']:.1f}, oos auto-sends {m['oos_auto_sends']}, "
          f"suggestion acceptance {pct(m['suggestion_acceptance'])}, p50 {m['p50_us']:.0f} µs")

    targets = [None if t.strip().lower() == "none" else float(t) for t in args.target_precisions.split(",")]
    autos = QUICK_THRESHOLDS if args.quick else AUTO_THRESHOLDS
    t0 = time.perf_counter()
    grid = pl.sweep(data, auto_thresholds=autos, target_precisions=targets,
                    seed=args.seed, warmup=args.warmup, eval=args.eval)
    print(f"sweep of {len(grid)} grid points in {time.perf_counter() - t0:.1f} s:")
    cols = ["target_precision", "auto_threshold", "automation_rate", "auto_precision",
            "wrong_auto_per_1000", "oos_auto_sends"]
    print(grid[cols].to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    if args.csv:
        grid.to_csv(args.csv, index=False)

    ok = grid[(grid["auto_precision"] >= 0.99) & (grid["oos_auto_sends"] == 0)]
    if len(ok):
        best = ok.sort_values("automation_rate", ascending=False).iloc[0]
        print(f"most automation at >= 99% precision and no oos auto-sends: "
              f"{pct(best['automation_rate'])} (auto threshold {best['auto_threshold']:g}, "
              f"target precision {best['target_precision']:g})")

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2), gridspec_kw={"width_ratios": [3, 2]})
    pl.plot(grid, ax=left, target=0.99)
    name = pathlib.Path(args.data).name
    left.set_title(f"{name}: automation vs auto-send precision (eval `{args.eval}`)")

    curve = result.curve
    x = curve["until"]
    right.step(x, 100 * curve["automation_rate"], where="pre", label="automation rate per window")
    warm = curve.loc[curve["phase"] == "warmup", "until"]
    if len(warm):
        right.axvline(warm.max(), color="grey", linestyle="--", linewidth=1)
        right.annotate("end of warm-up", (warm.max(), 0), xycoords=("data", "axes fraction"),
                       xytext=(-4, 6), textcoords="offset points", ha="right", fontsize=8, color="grey")
    right.set_xlabel("messages replayed")
    right.set_ylabel("automation rate (%)")
    right.set_title("learning curve (default configuration)")
    right.grid(True, alpha=0.3)
    fig.suptitle(
        f"pattern-learning {pl.__version__} replay, seed {args.seed}: default config automates "
        f"{pct(m['automation_rate'])} at {pct(m['auto_precision'])} precision",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
