#!/usr/bin/env bash
# Installs the Python side of the default-model pipeline from Debian (no pip on this machine's policy):
# torch 1.13 + onnx 1.12, OpenBLAS (the reference BLAS is ~17x slower), regex (exact GPT-2 pattern).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
  python3-torch python3-onnx libopenblas0-pthread python3-regex python3-numpy
