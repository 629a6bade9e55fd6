#!/usr/bin/env bash
# Rebuilds the tiny test models in test/fixtures/models/ (Hub ONNX layout + PyTorch reference outputs) and
# checks them with onnxruntime-node. Needs Debian's python3-torch and python3-onnx (installed here if missing), and
# the compiled out/ tree (tsc) for verify.mjs's protobuf writer. The Python is the lens_models package (tools/).
#   bash tools/testModels/make.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3   # Debian's python, which sees python3-torch; a pyenv python3 earlier on PATH does not

if ! "$PY" -c 'import torch, onnx' 2>/dev/null; then
  # Several sessions may hold the apt lock: wait for it rather than fail.
  until apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends python3-torch python3-onnx; do
    echo "apt-get failed; updating lists and retrying in 20 s" >&2
    apt-get update || true
    sleep 20
  done
fi

mkdir -p .cache/test-models
node tools/lens_models/tokenize.mjs texts tools/testModels/texts.json .cache/test-models/tokenized.json
OMP_NUM_THREADS=2 PYTHONPATH=tools nice -n 10 "$PY" -m lens_models.make_test_models .cache/test-models/tokenized.json \
  test/fixtures/models
# The modern decoders (Llama, Qwen3, Gemma 2/3), optimum and GroupQueryAttention styles, and GPT-NeoX and OPT
# (optimum's); the probes are throwaway copies of the fused graphs with qk_output=2, which verify.mjs reads their
# attention from.
OMP_NUM_THREADS=2 PYTHONPATH=tools nice -n 10 "$PY" -m lens_models.make_decoder_models .cache/test-models/tokenized.json \
  test/fixtures/models --probes .cache/test-models/probes
# tiny-gemma2 with its rotary factors chosen by a top-level If, as LongRoPE exports (tiny-gemma2-longrope).
PYTHONPATH=tools "$PY" -m lens_models.longrope_graph test/fixtures/models
# The encoders beyond BERT (RoBERTa, XLM-RoBERTa, DistilBERT, ALBERT, ELECTRA's generator, DeBERTa-v3, ModernBERT) in
# optimum's layout (their tokenizers: /usr/bin/python3 tools/tokenizers/encoders.py).
OMP_NUM_THREADS=2 PYTHONPATH=tools nice -n 10 "$PY" -m lens_models.make_encoder_models .cache/test-models/tokenized.json \
  test/fixtures/models
# A tiny Llama with the fp16 and q4 files transformers.js ships besides model.onnx (tiny-llama-variants).
OMP_NUM_THREADS=2 PYTHONPATH=tools nice -n 10 "$PY" -m lens_models.make_variant_models .cache/test-models/tokenized.json \
  test/fixtures/models
# The encoder–decoder models (T5, Marian) and their Unigram tokenizer, references for given and greedy targets.
OMP_NUM_THREADS=2 PYTHONPATH=tools nice -n 10 "$PY" -m lens_models.make_seq2seq_models test/fixtures/models
node tools/testModels/verify.mjs --write --probes .cache/test-models/probes
du -sh test/fixtures/models/*
du -sh test/fixtures/models
