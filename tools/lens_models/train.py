"""Trains an embedded model of Attention Lens: a BERT-style masked LM or a GPT-2-style causal LM.

    cd tools && python3 -m lens_models.train --kind masked --width 256 --layers 4 --heads 4 \\
        --minutes 60 --out ../.cache/train-bert --corpus ../.cache/corpus [--device cuda] [--resume]

Reads the token files of `tokenize.mjs corpus` (CORPUS/{bert,gpt2}-{train,test}.u16), trains with AdamW, linear
warm-up and cosine decay over --steps or --minutes (progress by wall time, so a time budget ends at the bottom of
the schedule), evaluates on a fixed slice of the held-out split every --eval-minutes, keeps a checkpoint
(OUT/ckpt.pt, replaced atomically) and appends metrics to OUT/log.jsonl. The final full held-out evaluation is
export's job. Masked LM: BERT's 15 % masking with 80/10/10 replacement, logits only at masked positions.
Causal LM: optional sampled softmax (batches.candidates) for most of the run, then the full 50,257-way softmax
for the last --full-frac, because the output layer dominates the cost on a CPU. Evaluation always uses the full
softmax.
"""
import argparse
import json
import math
import os
import platform
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import embedded
from .batches import BERT, GPT2, Candidates, candidates, causal_batch, load_tokens, masked_batch
from .families import KINDS, load_weights
from .train_args import parse_args

Autocast = Callable[[], AbstractContextManager]


@dataclass
class Run:
    """What a training run holds and what its checkpoint saves."""
    a: argparse.Namespace
    model: nn.Module
    opt: torch.optim.Optimizer
    cfg: dict[str, Any]
    meta: dict[str, Any]
    dev: torch.device
    autocast: Autocast
    step: int = 0
    elapsed: float = 0.0  # of the checkpoint resumed from
    t_start: float = 0.0
    top_ids: Tensor | None = None  # the sampled softmax's always-in tokens
    log: Any = field(default=None)

    def progress(self) -> float:
        p_time = (time.time() - self.t_start) / (self.a.minutes * 60) if self.a.minutes else 0
        p_step = self.step / self.a.steps if self.a.steps else 0
        return max(p_time, p_step)

    def save(self) -> None:
        path = f"{self.a.out}/ckpt.pt"
        torch.save({"model": self.model.state_dict(), "opt": self.opt.state_dict(), "step": self.step,
                    "elapsed": time.time() - self.t_start, "cfg": self.cfg, "meta": self.meta}, path + ".tmp")
        os.replace(path + ".tmp", path)

    def record(self, rec: dict[str, Any]) -> None:
        print("eval", json.dumps(rec), flush=True)
        self.log.write(json.dumps(rec) + "\n")
        self.log.flush()


def lr_at(a: argparse.Namespace, progress: float) -> float:
    if progress < a.warmup:
        return a.lr * progress / a.warmup
    p = (progress - a.warmup) / max(1e-9, 1 - a.warmup)
    return a.lr * (a.min_lr_frac + (1 - a.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


def loss_masked(model: nn.Module, inp: Tensor, pick: Tensor, targets: Tensor) -> Tensor:
    return F.cross_entropy(model.head(model.hidden(inp)[pick]).float(), targets)


def loss_causal(model: nn.Module, inp: Tensor, targets: Tensor, cand: Candidates | None) -> Tensor:
    h = model.hidden(inp)
    w = model.transformer.wte.weight
    if cand is None:
        logits = torch.matmul(h, w.t())
        return F.cross_entropy(logits.float().view(-1, logits.shape[-1]), targets.reshape(-1))
    ids, lut, corr = cand
    logits = torch.matmul(h, w[ids].t()) + corr
    return F.cross_entropy(logits.float().view(-1, logits.shape[-1]), lut[targets.reshape(-1)])


@torch.no_grad()
def evaluate(run: Run, test: Tensor) -> dict[str, float]:
    """Held-out loss and top-1/top-5 on fixed windows (same masks every time, from a fixed generator)."""
    a, model, dev = run.a, run.model, run.dev
    model.eval()
    gen = torch.Generator().manual_seed(1234)
    starts = torch.linspace(0, len(test) - a.seq - 2, a.eval_windows).long()
    n = top1 = top5 = 0
    loss_sum = 0.0
    for i in range(0, a.eval_windows, 16):
        with run.autocast():
            logits, tgt = eval_logits(run, test, starts[i:i + 16], gen)
        tgt = tgt.to(dev)
        loss_sum += F.cross_entropy(logits, tgt, reduction="sum").item()
        top = logits.topk(5, dim=-1).indices
        top1 += (top[:, 0] == tgt).sum().item()
        top5 += (top == tgt[:, None]).any(dim=1).sum().item()
        n += tgt.numel()
    model.train()
    return {"loss": loss_sum / n, "ppl": math.exp(loss_sum / n), "top1": top1 / n, "top5": top5 / n, "n": n}


def eval_logits(run: Run, test: Tensor, starts: Tensor, gen: torch.Generator) -> tuple[Tensor, Tensor]:
    """Full-vocabulary logits and targets of one evaluation batch: masked positions, or every next token."""
    if run.a.kind == "masked":
        inp, pick, tgt = masked_batch(test, starts, run.a.seq, gen)
        return run.model.head(run.model.hidden(inp.to(run.dev))[pick.to(run.dev)]).float(), tgt
    inp, tgt = causal_batch(test, starts, run.a.seq)
    return run.model(inp.to(run.dev), None, None).float().view(-1, GPT2["vocab"]), tgt.reshape(-1)


def train_step(run: Run, train: Tensor, gen: torch.Generator) -> tuple[Tensor, int]:
    """One optimizer step on a fresh random batch; returns the loss and the tokens it held."""
    a, p, dev = run.a, run.progress(), run.dev
    seq = a.long_seq if p >= 1 - a.long_frac else a.seq
    batch = max(1, a.batch * a.seq // seq)  # the same tokens per step at every length
    for g in run.opt.param_groups:
        g["lr"] = lr_at(a, p)
    starts = torch.randint(0, len(train) - seq - 2, (batch,), generator=gen)
    with run.autocast():
        if a.kind == "masked":
            inp, pick, tgt = masked_batch(train, starts, seq, gen)
            loss = loss_masked(run.model, inp.to(dev), pick.to(dev), tgt.to(dev))
        else:
            inp, tgt = (t.to(dev) for t in causal_batch(train, starts, seq))
            sampled = run.top_ids is not None and p < 1 - a.full_frac
            loss = loss_causal(run.model, inp, tgt, candidates(run.top_ids, tgt, a.negatives, gen) if sampled else None)
    run.opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(run.model.parameters(), 1.0)
    run.opt.step()
    run.step += 1
    return loss, batch * seq


def optimizer(model: nn.Module, a: argparse.Namespace, order: list[str] | None = None) -> torch.optim.Optimizer:
    """AdamW with weight decay on matrices only (not embeddings, biases, LayerNorms). AdamW's saved state is by
    position, so a resumed run lists the parameters in its checkpoint's order (`order`: state dict keys), which
    for checkpoints of the earlier definitions is not the order of these modules."""
    named = dict(model.named_parameters())
    params = [(n, named[n]) for n in order if n in named] if order else list(named.items())
    decay = [p for n, p in params if p.dim() >= 2 and "embeddings" not in n and "wte" not in n and "wpe" not in n]
    no_decay = [p for n, p in params if not any(p is q for q in decay)]
    return torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.98), eps=1e-6)


def start(a: argparse.Namespace, train: Tensor, test: Tensor) -> Run:
    """The model, optimizer and metadata of a new run, or of the checkpoint's with --resume."""
    family, dev = KINDS[a.kind], torch.device(a.device)
    vocab = BERT["vocab"] if a.kind == "masked" else GPT2["vocab"]
    cfg = family.make_config(vocab, a.width, a.layers, a.heads, a.ffn or 4 * a.width, a.max_pos)
    model = embedded.build(cfg, initialise=True).to(dev)
    hardware = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, {a.threads} torch "
                f"threads" if a.device == "cpu" else torch.cuda.get_device_name(dev))
    meta = {"args": vars(a), "params": sum(p.numel() for p in model.parameters()), "train_tokens": len(train),
            "test_tokens": len(test), "hardware": hardware, "torch": torch.__version__}
    autocast = lambda: torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bool(a.bf16))  # noqa: E731
    ckpt_path = f"{a.out}/ckpt.pt"
    ck = torch.load(ckpt_path, map_location=dev) if a.resume and os.path.exists(ckpt_path) else None
    run = Run(a, model, optimizer(model, a, list(ck["model"]) if ck else None), cfg, meta, dev, autocast)
    if ck:
        load_weights(model, ck["model"])  # checkpoints of earlier definitions lack the tied aliases
        run.opt.load_state_dict(ck["opt"])
        run.step, run.elapsed = ck["step"], ck["elapsed"]
        print(f"resumed at step {run.step}, {run.elapsed / 60:.1f} min", flush=True)
    return run


def sampled_softmax_tokens(run: Run, train: Tensor) -> None:
    """The --candidates most frequent training tokens, always in the sampled softmax."""
    counts = torch.bincount(train, minlength=GPT2["vocab"])
    run.top_ids = counts.topk(run.a.candidates).indices.to(run.dev)
    share = counts[run.top_ids.cpu()].sum() / len(train)
    print(f"candidate softmax: top {run.a.candidates} tokens cover {share:.3f} of training tokens", flush=True)


def main() -> None:
    a = parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    name = "bert" if a.kind == "masked" else "gpt2"
    train, test = load_tokens(a.corpus, name, "train"), load_tokens(a.corpus, name, "test")
    run = start(a, train, test)
    with open(f"{a.out}/config.json", "w") as f:
        json.dump(run.cfg, f, indent=2)
    print(json.dumps(run.meta), flush=True)
    if a.kind == "causal" and a.candidates:
        sampled_softmax_tokens(run, train)
    run.t_start = time.time() - run.elapsed
    with open(f"{a.out}/log.jsonl", "a") as run.log:
        loop(run, train, test)
        run.record({"step": run.step, "minutes": round((time.time() - run.t_start) / 60, 2), "final": True,
                    **evaluate(run, test)})
        run.save()


def loop(run: Run, train: Tensor, test: Tensor) -> None:
    """Steps until the budget is spent: a progress line a minute, an evaluation and checkpoint every
    --eval-minutes."""
    gen = torch.Generator().manual_seed(run.a.seed + run.step)
    last_eval, t_log, seen = time.time() - run.t_start, time.time(), 0
    run.model.train()
    while run.progress() < 1:
        p = run.progress()
        loss, tokens = train_step(run, train, gen)
        seen += tokens
        now = time.time() - run.t_start
        if time.time() - t_log > 60 or run.step == 1:
            seq = run.a.long_seq if p >= 1 - run.a.long_frac else run.a.seq
            print(f"step {run.step} {now / 60:.1f} min seq {seq} lr {lr_at(run.a, p):.2e} loss {loss.item():.3f} "
                  f"{seen / (time.time() - t_log):.0f} tok/s", flush=True)
            t_log, seen = time.time(), 0
        if now - last_eval >= run.a.eval_minutes * 60:
            run.record({"step": run.step, "minutes": round(now / 60, 2), "train_loss": loss.item(),
                        **evaluate(run, test)})
            run.save()
            last_eval = time.time() - run.t_start


if __name__ == "__main__":
    main()
