#!/usr/bin/env bash
# Builds the pattern-learning wheel and runs the Python test suite against it, in a
# fresh virtual environment:
#
#   1. python3 -m venv in a temporary directory (removed on exit),
#   2. pip install -r requirements-test.txt (pytest, numpy, pandas, matplotlib,
#      prometheus-client, mypy, nbclient),
#   3. maturin build --release --zig --compatibility manylinux2014 with the release
#      tools (scripts/release-tools)  -> the wheel as it is released: one cp39-abi3
#      manylinux_2_17_x86_64 wheel, linked by zig against glibc 2.17, checked
#      (auditwheel show, glibc symbol versions) and installed,
#   4. cargo build --release --example replay  (for the replay parity tests),
#   5. pytest tests/  (exit code 5, "no tests collected", fails the script).
#
# Usage: bindings-python/scripts/test.sh [extra pytest arguments]
# Environment: PYTHON (default python3), PATTERN_LEARNING_DATA (shared data; tests
# that need it are skipped without it, except the notebook's, which fails when CI is
# set), CARGO_TARGET_DIR (honoured by cargo and maturin).
set -euo pipefail

started=$SECONDS
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pattern-learning-py.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "==> fresh venv in $WORK/venv ($("$PYTHON" --version 2>&1))"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
# Downloads from PyPI are retried (a dropped connection once failed a whole run):
# pip resumes a broken download, and scripts/retry runs pip again when it gives up.
export PIP_RETRIES=${PIP_RETRIES:-10} PIP_RESUME_RETRIES=${PIP_RESUME_RETRIES:-10}
RETRY="$REPO/scripts/retry"
"$RETRY" "$VPY" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$RETRY" "$VPY" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements-test.txt"

TARGET_DIR="$(cd "$REPO" && cargo metadata --format-version 1 --no-deps \
    | "$VPY" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

# The wheel is built as scripts/release builds it: with the release tools, which stay
# in one place (scripts/release-tools), by the tools' interpreter (one abi3 wheel serves
# every CPython >= 3.9), in a target directory of its own. cargo's fingerprint includes
# the linker, and zig's wrapper is named after the tool that runs it, so a temporary
# maturin, or the Node build's cargo-zigbuild in the same directory, would rebuild
# every crate.
TOOLS="$("$REPO/scripts/release-tools")"
echo "==> maturin build --release --zig --compatibility manylinux2014 (the released wheel)"
PATH="$TOOLS:$PATH" maturin build --release --zig --compatibility manylinux2014 \
    --manifest-path "$HERE/Cargo.toml" --interpreter "$TOOLS/python3" \
    --target-dir "$TARGET_DIR/wheel" --out "$WORK/dist"
WHEEL="$(ls "$WORK"/dist/pattern_learning-*.whl)"
echo "==> portable: auditwheel show and glibc symbol versions (scripts/check_portable.py)"
PATH="$TOOLS:$PATH" python3 "$REPO/scripts/check_portable.py" "$WHEEL"
echo "==> installing $(basename "$WHEEL")"
"$VPY" -m pip install --quiet --disable-pip-version-check --no-deps "$WHEEL"

echo "==> cargo build --release --example replay (parity tests)"
(cd "$REPO" && cargo build --release --quiet --example replay)
export PATTERN_LEARNING_REPLAY_BIN="$TARGET_DIR/release/examples/replay"
export MPLBACKEND=Agg

echo "==> pytest"
cd "$HERE"
status=0
"$VPY" -m pytest tests "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests" >&2
    exit 1
fi
echo "==> scripts/test.sh finished in $((SECONDS - started)) s (pytest exit code $status)"
exit "$status"
