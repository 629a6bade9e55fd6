#!/usr/bin/env bash
# `npm test`: every tier in order, stopping at the first failing section. Ends with ONE line summing the
# tiers: "N passed, N failed". Exit status 0 only when nothing failed.
#   lint (npm run lint) → setup (tools outside the tree) → build → compile/type-check → unit + golden →
#   webview components → integration in a real VS Code (in-extension-host suite, then the user flow through the packaged VSIX)
# Env: CI=true (no colour, nothing interactive), ATTENTION_LENS_TOOLS (tools folder, see test/harness/setup.sh),
#      ATTENTION_LENS_KEEP_GOING=1 (run the later test tiers after a failing one; the exit status still fails).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ "${CI:-}" = "true" ]; then export NO_COLOR=1 FORCE_COLOR=0; fi
# Playwright or npm must never wait for an answer.
export npm_config_yes=false

passed=0
failed=0
skipped=0
log=$(mktemp -t attention-lens-test.XXXXXX)
trap 'rm -f "$log"' EXIT
started=$(date +%s)

finish() {
  echo
  echo "== total: $(( $(date +%s) - started )) s"
  # A skip is never silent: each tier listed its skipped tests and why; the count stands here.
  if [ "$skipped" -gt 0 ]; then echo "$skipped skipped (each with its reason above)"; fi
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0 || exit 1
}

# section TITLE COMMAND…: runs a step that has no test counts (set-up, build, type-check).
section() {
  local title=$1; shift
  local t0; t0=$(date +%s)
  echo
  echo "== $title"
  if ! "$@"; then
    echo "== $title: FAILED ($(( $(date +%s) - t0 )) s)"
    failed=$((failed + 1))
    finish
  fi
  echo "== $title: ok ($(( $(date +%s) - t0 )) s)"
}

# check TITLE COMMAND…: a step with no test counts whose failure, like a failing tier's, stops the run unless
#   ATTENTION_LENS_KEEP_GOING is set (lint: the later tiers still mean something when it fails).
check() {
  local title=$1; shift
  local t0; t0=$(date +%s)
  echo
  echo "== $title"
  if "$@"; then
    echo "== $title: ok ($(( $(date +%s) - t0 )) s)"
  else
    echo "== $title: FAILED ($(( $(date +%s) - t0 )) s)"
    failed=$((failed + 1))
    if [ -z "${ATTENTION_LENS_KEEP_GOING:-}" ]; then finish; fi
  fi
}

# tier TITLE PARSER COMMAND…: runs a test tier, shows its output and adds its counts.
#   PARSER closing — the tier's last "N passed, N failed" line; PARSER node — node:test's "ℹ pass N" lines.
tier() {
  local title=$1 parser=$2; shift 2
  local t0; t0=$(date +%s)
  echo
  echo "== $title"
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local p f
  if [ "$parser" = node ]; then
    p=$(grep -E '^ℹ pass [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
    f=$(grep -E '^ℹ fail [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
    local c; c=$(grep -E '^ℹ cancelled [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
    f=$(( ${f:-0} + ${c:-0} ))
    local s; s=$(grep -E '^ℹ skipped [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
    if [ "${s:-0}" -gt 0 ]; then
      echo "== $title: ${s} skipped:"
      grep -E '^ *﹣ ' "$log"
      skipped=$((skipped + s))
    fi
  else
    local line; line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
    p=$(echo "$line" | grep -oE '^[0-9]+')
    f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '^[0-9]+')
  fi
  p=${p:-0}; f=${f:-0}
  # A tier that crashed without reporting, or exited non-zero with no failure counted, is one failure.
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  if [ "$status" -eq 0 ] && [ "$p" -eq 0 ]; then echo "(no tests ran)"; f=$((f + 1)); fi
  passed=$((passed + p)); failed=$((failed + f))
  echo "== $title: $p passed, $f failed ($(( $(date +%s) - t0 )) s)"
  if [ "$f" -ne 0 ] && [ -z "${ATTENTION_LENS_KEEP_GOING:-}" ]; then finish; fi
}

compile() {
  node node_modules/typescript/bin/tsc -p tsconfig.json &&
    node node_modules/typescript/bin/tsc -p webview/tsconfig.json --noEmit || return 1
  # A deleted or renamed test must never run from a stale .js file left in out/.
  local js src
  while IFS= read -r js; do
    src=${js#out/}; src=${src%.js}.ts
    if [ ! -f "$src" ]; then echo "(removing stale $js)"; rm -f "$js" "$js.map"; fi
  done < <(find out -name '*.js' -type f)
}

# First and fast: formatting, line lengths and ESLint's rules need only node_modules.
check "lint: Prettier, lines of at most 140 characters, ESLint (npm run lint)" npm run --silent lint
section "set-up: Chromium, Node 24, VS Code server (test/harness/setup.sh)" bash test/harness/setup.sh
section "build: esbuild bundles (node esbuild.mjs)" node esbuild.mjs
section "compile + type-check: tsc (host, core, tests) and tsc --noEmit (webview)" compile
tier "unit + golden tests (node --test out/test/unit/)" node node --test --test-reporter=spec out/test/unit/
if [ -f out/test/webview/run.js ]; then
  tier "webview component tests (Chromium)" closing node out/test/webview/run.js
fi
tier "integration: test suite inside a real VS Code extension host" closing node out/test/harness/runIntegration.js
tier "integration: user flow through the real UI, installed from the VSIX" closing node out/test/harness/userFlow.js
tier "integration: run files in the UI (a Python-written run, a notebook output)" closing node out/test/harness/runFileRender.js
tier "integration: the walkthrough on first run (the VSIX installed in the window)" closing node out/test/harness/walkthroughFirstRun.js
finish
