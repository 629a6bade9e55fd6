"""Trains a default model of Attention Lens: a BERT-style masked LM or a GPT-2-style causal LM.

  /usr/bin/python3 tools/defaultModels/train.py --kind masked --width 256 --layers 4 --heads 4 \
      --minutes 60 --out .cache/train-bert [--device cuda] [--resume]

Reads the token files of tokenize.mjs (.cache/corpus/{bert,gpt2}-{train,test}.u16), trains with AdamW, linear
warm-up and cosine decay over --steps or --minutes (progress by wall time, so a time budget ends at the bottom of
the schedule), evaluates on a fixed slice of the held-out split every --eval-minutes, keeps a checkpoint
(OUT/ckpt.pt, replaced atomically) and appends metrics to OUT/log.jsonl. The final full held-out evaluation is
export.py's job. Masked LM: BERT's 15 % masking with 80/10/10 replacement, logits only at masked positions.
Causal LM: optional sampled softmax for most of the run, then the full 50,257-way softmax for the last
--full-frac, because the output layer dominates the cost on a CPU. The candidates are the --candidates most
frequent tokens and the batch's targets (always in) plus --negatives tokens drawn uniformly from the vocabulary,
whose logits get the usual log-inclusion correction (+log((V-K)/M)) so that rare tokens are pushed down as
the full softmax would push them. Evaluation always uses the full softmax.
"""
import argparse
import json
import math
import os
import platform
import time

import numpy as np
import torch
import torch.nn.functional as F

from models import bert_config, build, gpt2_config

BERT = {"vocab": 30522, "cls": 101, "sep": 102, "mask": 103, "first_normal": 999}  # [unused*] below 999
GPT2 = {"vocab": 50257, "eos": 50256}


def parse_args():
    ap = argparse.ArgumentParser()
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
    ap.add_argument("--bf16", type=int, default=0, help="bf16 autocast: use on CUDA and on CPUs with AVX512-BF16/AMX (on AVX2 it is 10x slower)")
    ap.add_argument("--corpus", default=".cache/corpus")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resume", action="store_true")
    a = ap.parse_args()
    if not a.minutes and not a.steps:
        ap.error("give --minutes or --steps")
    return a


def load_tokens(corpus, name, split):
    return torch.from_numpy(np.fromfile(f"{corpus}/{name}-{split}.u16", dtype=np.uint16).astype(np.int64))


def masked_batch(tokens, starts, seq, gen):
    """[CLS] window [SEP] rows with BERT's masking: returns input ids, masked positions (flat) and their targets."""
    body = torch.stack([tokens[s:s + seq - 2] for s in starts.tolist()])
    b = body.shape[0]
    ids = torch.cat([torch.full((b, 1), BERT["cls"]), body, torch.full((b, 1), BERT["sep"])], dim=1)
    special = (ids == BERT["cls"]) | (ids == BERT["sep"]) | (ids == 0)
    pick = (torch.rand(ids.shape, generator=gen) < 0.15) & ~special
    targets = ids[pick]
    r = torch.rand(ids.shape, generator=gen)
    inp = ids.clone()
    inp[pick & (r < 0.8)] = BERT["mask"]
    rand_pos = pick & (r >= 0.8) & (r < 0.9)
    inp[rand_pos] = torch.randint(BERT["first_normal"], BERT["vocab"], (int(rand_pos.sum()),), generator=gen)
    return inp, pick, targets


def causal_batch(tokens, starts, seq):
    rows = torch.stack([tokens[s:s + seq + 1] for s in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


def lr_at(a, progress):
    if progress < a.warmup:
        return a.lr * progress / a.warmup
    p = (progress - a.warmup) / max(1e-9, 1 - a.warmup)
    return a.lr * (a.min_lr_frac + (1 - a.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


def loss_masked(model, inp, pick, targets):
    h = model.hidden(inp)
    logits = model.head(h[pick])
    return F.cross_entropy(logits.float(), targets), logits


def loss_causal(model, inp, targets, cand):
    h = model.hidden(inp)
    w = model.transformer.wte.weight
    if cand is None:
        logits = torch.matmul(h, w.t())
        return F.cross_entropy(logits.float().view(-1, logits.shape[-1]), targets.reshape(-1)), logits
    ids, lut, corr = cand
    logits = torch.matmul(h, w[ids].t()) + corr
    return F.cross_entropy(logits.float().view(-1, logits.shape[-1]), lut[targets.reshape(-1)]), None


@torch.no_grad()
def evaluate(model, a, test, windows, dev, autocast):
    """Held-out loss and top-1/top-5 on fixed windows (same masks every time, from a fixed generator)."""
    model.eval()
    gen = torch.Generator().manual_seed(1234)
    seq = a.seq
    starts = torch.linspace(0, len(test) - seq - 2, windows).long()
    n = top1 = top5 = 0
    loss_sum = 0.0
    for i in range(0, windows, 16):
        s = starts[i:i + 16]
        with autocast():
            if a.kind == "masked":
                inp, pick, tgt = masked_batch(test, s, seq, gen)
                h = model.hidden(inp.to(dev))
                logits = model.head(h[pick.to(dev)]).float()
            else:
                inp, tgt = causal_batch(test, s, seq)
                logits = model(inp.to(dev), None, None).float().view(-1, GPT2["vocab"])
                tgt = tgt.reshape(-1)
        tgt = tgt.to(dev)
        loss_sum += F.cross_entropy(logits, tgt, reduction="sum").item()
        top = logits.topk(5, dim=-1).indices
        top1 += (top[:, 0] == tgt).sum().item()
        top5 += (top == tgt[:, None]).any(dim=1).sum().item()
        n += tgt.numel()
    model.train()
    return {"loss": loss_sum / n, "ppl": math.exp(loss_sum / n), "top1": top1 / n, "top5": top5 / n, "n": n}


def main():
    a = parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    os.makedirs(a.out, exist_ok=True)
    name = "bert" if a.kind == "masked" else "gpt2"
    train, test = load_tokens(a.corpus, name, "train"), load_tokens(a.corpus, name, "test")
    ffn = a.ffn or 4 * a.width
    cfg = (bert_config if a.kind == "masked" else gpt2_config)(
        BERT["vocab"] if a.kind == "masked" else GPT2["vocab"], a.width, a.layers, a.heads, ffn, a.max_pos)
    model = build(cfg).to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "embeddings" not in n and "wte" not in n
             and "wpe" not in n]
    no_decay = [p for n, p in model.named_parameters() if not any(p is q for q in decay)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.98), eps=1e-6)
    step, elapsed = 0, 0.0
    ckpt_path = f"{a.out}/ckpt.pt"
    if a.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=dev)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
        print(f"resumed at step {step}, {elapsed / 60:.1f} min", flush=True)
    with open(f"{a.out}/config.json", "w") as f:
        json.dump(cfg, f, indent=2)
    meta = {"args": vars(a), "params": n_params, "train_tokens": len(train), "test_tokens": len(test),
            "hardware": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, "
                        f"{a.threads} torch threads" if a.device == "cpu" else torch.cuda.get_device_name(dev),
            "torch": torch.__version__}
    print(json.dumps(meta), flush=True)

    cand = None
    if a.kind == "causal" and a.candidates:
        counts = torch.bincount(train, minlength=GPT2["vocab"])
        top_ids = counts.topk(a.candidates).indices.to(dev)
        print(f"candidate softmax: top {a.candidates} tokens cover {counts[top_ids.cpu()].sum() / len(train):.3f}"
              " of training tokens", flush=True)
    if dev.type == "cuda":
        autocast = lambda: torch.autocast("cuda", dtype=torch.bfloat16, enabled=bool(a.bf16))  # noqa: E731
    else:
        autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(a.bf16))  # noqa: E731
    gen = torch.Generator().manual_seed(a.seed + step)
    tokens_per_step = a.batch * a.seq
    t_start = time.time() - elapsed
    last_eval = elapsed
    log = open(f"{a.out}/log.jsonl", "a")
    seen = 0

    def progress():
        p_time = (time.time() - t_start) / (a.minutes * 60) if a.minutes else 0
        p_step = step / a.steps if a.steps else 0
        return max(p_time, p_step)

    def save():
        ck = {"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": time.time() - t_start,
              "cfg": cfg, "meta": meta}
        torch.save(ck, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)

    model.train()
    t_log = time.time()
    while progress() < 1:
        p = progress()
        seq = a.long_seq if p >= 1 - a.long_frac else a.seq
        batch = max(1, tokens_per_step // seq)
        for g in opt.param_groups:
            g["lr"] = lr_at(a, p)
        hi = len(train) - seq - 2
        starts = torch.randint(0, hi, (batch,), generator=gen)
        with autocast():
            if a.kind == "masked":
                inp, pick, tgt = masked_batch(train, starts, seq, gen)
                loss, _ = loss_masked(model, inp.to(dev), pick.to(dev), tgt.to(dev))
            else:
                inp, tgt = causal_batch(train, starts, seq)
                inp, tgt = inp.to(dev), tgt.to(dev)
                c = None
                if cand is None and a.candidates and p < 1 - a.full_frac:
                    flat = tgt.reshape(-1)
                    neg = torch.randint(0, GPT2["vocab"], (a.negatives,), generator=gen).to(dev)
                    ids = torch.unique(torch.cat([top_ids, flat, neg]))
                    lut = torch.full((GPT2["vocab"],), -1, dtype=torch.long, device=dev)
                    lut[ids] = torch.arange(len(ids), device=dev)
                    fixed = torch.zeros(GPT2["vocab"], dtype=torch.bool, device=dev)
                    fixed[top_ids] = True
                    fixed[flat] = True
                    corr = torch.where(fixed[ids], 0.0, math.log((GPT2["vocab"] - a.candidates) / max(1, a.negatives)))
                    c = (ids, lut, corr)
                loss, _ = loss_causal(model, inp, tgt, c)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        seen += batch * seq
        now = time.time() - t_start
        if time.time() - t_log > 60 or step == 1:
            print(f"step {step} {now / 60:.1f} min seq {seq} lr {lr_at(a, p):.2e} loss {loss.item():.3f} "
                  f"{seen / (time.time() - t_log):.0f} tok/s", flush=True)
            t_log, seen = time.time(), 0
        if now - last_eval >= a.eval_minutes * 60:
            ev = evaluate(model, a, test, a.eval_windows, dev, autocast)
            rec = {"step": step, "minutes": round(now / 60, 2), "train_loss": loss.item(), **ev}
            print("eval", json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
            save()
            last_eval = time.time() - t_start
    ev = evaluate(model, a, test, a.eval_windows, dev, autocast)
    rec = {"step": step, "minutes": round((time.time() - t_start) / 60, 2), "final": True, **ev}
    print("eval", json.dumps(rec), flush=True)
    log.write(json.dumps(rec) + "\n")
    save()


if __name__ == "__main__":
    main()
