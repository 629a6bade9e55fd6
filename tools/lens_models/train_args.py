"""The command line of lens_models.train."""
import argparse


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Trains an embedded model; see lens_models/train.py.")
    ap.add_argument("--kind", choices=["masked", "causal"], required=True)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=0, help="feed-forward width; 0: 4 x width")
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--batch", type=int, default=64, help="sequences per step at --seq")
    ap.add_argument("--max-pos", type=int, default=512)
    ap.add_argument("--long-seq", type=int, default=512, help="sequence length of the final phase")
    ap.add_argument("--long-frac", type=float, default=0.1, help="share of the run at --long-seq (same tokens/step)")
    ap.add_argument("--minutes", type=float, default=0)
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--warmup", type=float, default=0.03, help="share of the run")
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--candidates", type=int, default=0, help="causal: candidate-softmax size; 0: full softmax")
    ap.add_argument("--negatives", type=int, default=1024, help="causal: uniform negatives per step")
    ap.add_argument("--full-frac", type=float, default=0.2, help="causal: final share with the full softmax")
    ap.add_argument("--eval-minutes", type=float, default=5)
    ap.add_argument("--eval-windows", type=int, default=48)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bf16", type=int, default=0,
                    help="bf16 autocast: use on CUDA and on CPUs with AVX512-BF16/AMX (on AVX2 it is 10x slower)")
    ap.add_argument("--corpus", default=".cache/corpus")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resume", action="store_true")
    a = ap.parse_args()
    if not a.minutes and not a.steps:
        ap.error("give --minutes or --steps")
    return a
