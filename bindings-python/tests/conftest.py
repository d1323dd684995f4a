"""Shared fixtures: where the repository, the demo inbox, the shared data and
the `examples/replay` binary are."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "data" / "demo_inbox.jsonl"

#: Metrics that are measured (time), not computed; left out of parity checks.
TIMING_KEYS = {"p50_us", "p99_us", "elapsed_s"}


def shared_data_dir() -> pathlib.Path | None:
    """The public data directory: `$PATTERN_LEARNING_DATA`, else `../shared/data` beside the repository."""
    env = os.environ.get("PATTERN_LEARNING_DATA")
    candidates = [pathlib.Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if c.is_dir():
            return c
    return None


@pytest.fixture(scope="session")
def demo_path() -> pathlib.Path:
    assert DEMO.is_file(), f"the bundled demo inbox is missing: {DEMO}"
    return DEMO


@pytest.fixture(scope="session")
def shared_file():
    """Returns a function name -> path of a shared data file, skipping when absent."""

    def get(name: str) -> pathlib.Path:
        d = shared_data_dir()
        if d is None or not (d / name).is_file():
            pytest.skip(
                f"shared data file {name} not found: set PATTERN_LEARNING_DATA or put the "
                f"data at {REPO.parent / 'shared' / 'data'}"
            )
        return d / name

    return get


def replay_binary() -> pathlib.Path | None:
    """The built `examples/replay` binary: `$PATTERN_LEARNING_REPLAY_BIN`, else
    `<target>/release/examples/replay` under `$CARGO_TARGET_DIR` or `<repo>/target`."""
    env = os.environ.get("PATTERN_LEARNING_REPLAY_BIN")
    if env:
        return pathlib.Path(env) if pathlib.Path(env).is_file() else None
    roots = [os.environ.get("CARGO_TARGET_DIR"), str(REPO / "target")]
    for root in filter(None, roots):
        p = pathlib.Path(root) / "release" / "examples" / "replay"
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return None


def run_replay_binary(binary: pathlib.Path, *args: str) -> dict:
    """Runs the example with `--json --quiet` and returns the last stdout line as JSON."""
    out = subprocess.run(
        [str(binary), *args, "--json", "--quiet"],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def stable(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if k not in TIMING_KEYS}


@pytest.fixture
def engine():
    from pattern_learning import Engine

    with Engine() as e:
        yield e


__all__ = ["REPO", "DEMO", "replay_binary", "run_replay_binary", "stable", "shutil"]
