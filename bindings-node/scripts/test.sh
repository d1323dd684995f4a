#!/usr/bin/env bash
# Builds, tests, packs and installs the Node package @clubos/pattern-learning.
#
#   bash bindings-node/scripts/test.sh        (from anywhere)
#
# Needs node >= 18 with npm, cargo and python3. Steps: npm ci (pinned by
# package-lock.json), the portable release build (napi build linked by zig against
# glibc 2.17, the native module the npm package ships; it regenerates native.js /
# native.d.ts), the check that the module needs no newer glibc, type check of the
# published .d.ts, the node --test suite, npm pack, install of the tarball into a
# fresh temporary folder, a CommonJS, an ES module and a TypeScript (tsc --strict)
# consumer, and the examples/node-backend HTTP service driven end to end against the
# installed package on PostgreSQL (PATTERN_LEARNING_TEST_POSTGRES, else a throw-away
# server started by scripts/with-postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
PKG=$(pwd)
EXAMPLE="$PKG/../examples/node-backend"
# Registry downloads are retried: a dropped connection must not fail the run.
RETRY="$PKG/../scripts/retry"

section() { printf '\n==> [node] %s\n' "$*"; }
started=$(date +%s)

section "npm ci (dev dependencies pinned by package-lock.json)"
"$RETRY" npm ci --no-audit --no-fund --loglevel=error

section "zig and cargo-zigbuild (scripts/release-tools: scripts/requirements-release.txt)"
PATH="$("$PKG/../scripts/release-tools"):$PATH"

section "napi build --release for glibc 2.17 (npm run build:portable; generated native.js / native.d.ts)"
generated=$(mktemp -d)
for f in native.js native.d.ts; do
  [[ -f "$f" ]] && cp "$f" "$generated/$f"
done
npm run --silent build:portable
for f in native.js native.d.ts; do
  if [[ -f "$generated/$f" ]] && ! cmp -s "$f" "$generated/$f"; then
    echo "error: the generated $f differs from the checked-in one; commit the regenerated file" >&2
    diff -u "$generated/$f" "$f" | head -40 >&2 || true
    rm -rf "$generated"
    exit 1
  fi
done
rm -rf "$generated"
ls -l ./*.node

section "portable: the native module needs glibc 2.17 at most (scripts/check_portable.py)"
python3 "$PKG/../scripts/check_portable.py" ./*.node

section "tsc --noEmit: the published types (index.d.ts, native.d.ts)"
npx --no-install tsc -p test/tsconfig.json

section "node --test"
node --test test/

section "npm pack"
tarball="$PKG/$(npm pack --silent --pack-destination "$PKG" | tail -n 1)"
tar -tzf "$tarball" | sed 's/^/  /'

consumer=$(mktemp -d)
trap 'rm -rf "$consumer"; rm -f "$tarball"' EXIT

section "install the tarball into a fresh folder ($consumer)"
cd "$consumer"
npm init -y >/dev/null
"$RETRY" npm install --no-audit --no-fund --loglevel=error "$tarball"
cp "$PKG/scripts/consumer/consumer.cjs" "$PKG/scripts/consumer/consumer.mjs" .

section "consumer: CommonJS require"
node consumer.cjs

section "consumer: ES module import"
node consumer.mjs

section "consumer: TypeScript, tsc --strict on the installed types, then run"
cp "$PKG/scripts/consumer/consumer.ts" "$PKG/scripts/consumer/tsconfig.json" .
"$PKG/node_modules/.bin/tsc" -p tsconfig.json
node out/consumer.js

section "examples/node-backend against the installed package: the HTTP service end to end on PostgreSQL"
cp "$EXAMPLE/server.js" .
mkdir -p test
cp "$EXAMPLE/test/e2e.test.js" test/
if [[ -n "${PATTERN_LEARNING_TEST_POSTGRES:-}" ]]; then
  node --test test/e2e.test.js
else
  # A throw-away server (scripts/test already provides one), started from / so that
  # the server's user may stay in its working directory.
  (cd / && "$PKG/../scripts/with-postgres" node --test "$consumer/test/e2e.test.js")
fi

section "node package: all steps passed in $(( $(date +%s) - started )) s"
