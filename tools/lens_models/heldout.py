"""The held-out evaluation of a trained embedded model, overall and for prose and code, as its card reports it."""
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .batches import GPT2, masked_batch

CODE_SOURCES = {"python-src", "typescript-lib", "lodash"}
GROUPS = ("all", "prose", "code")


def _window_batch(model: nn.Module, kind: str, tokens: Tensor, src: Tensor, starts: Tensor, seq: int,
                  gen: torch.Generator) -> tuple[Tensor, Tensor, Tensor]:
    """Logits, targets and each target's source index for one batch of windows."""
    if kind == "masked":
        inp, pick, tgt = masked_batch(tokens, starts, seq, gen)
        logits = model.head(model.hidden(inp)[pick])
        # source of each masked token: the window body starts one position after [CLS]
        src_rows = torch.stack([src[a:a + seq - 2] for a in starts.tolist()])
        src_rows = torch.cat([src_rows[:, :1], src_rows, src_rows[:, -1:]], dim=1)
        return logits, tgt, src_rows[pick]
    rows = torch.stack([tokens[a:a + seq + 1] for a in starts.tolist()])
    logits = model(rows[:, :-1], None, None).reshape(-1, GPT2["vocab"])
    tsrc = torch.stack([src[a + 1:a + seq + 1] for a in starts.tolist()]).reshape(-1)
    return logits, rows[:, 1:].reshape(-1), tsrc


@torch.no_grad()
def evaluate(model: nn.Module, kind: str, tokens: Tensor, src: Tensor, sources: list[str], seq: int,
             n_tokens: int) -> dict[str, dict[str, float]]:
    """Loss/top-1/top-5 over non-overlapping windows spread evenly over the split, by prose/code group."""
    model.eval()
    gen = torch.Generator().manual_seed(4321)
    span = seq if kind == "causal" else seq - 2
    n_win = min(n_tokens // seq, (len(tokens) - span - 1) // span)
    starts = torch.linspace(0, len(tokens) - span - 2, n_win).long()
    acc = {g: {"n": 0, "loss": 0.0, "top1": 0, "top5": 0} for g in GROUPS}
    code_ids = torch.tensor([i for i, s in enumerate(sources) if s in CODE_SOURCES])
    for i in range(0, n_win, 16):
        logits, tgt, tsrc = _window_batch(model, kind, tokens, src, starts[i:i + 16], seq, gen)
        lossv = F.cross_entropy(logits, tgt, reduction="none")
        top = logits.topk(5, dim=-1).indices
        hit1, hit5 = top[:, 0] == tgt, (top == tgt[:, None]).any(dim=1)
        is_code = torch.isin(tsrc, code_ids)
        for g, m in zip(GROUPS, (torch.ones_like(is_code), ~is_code, is_code)):
            a = acc[g]
            a["n"] += int(m.sum())
            a["loss"] += float(lossv[m].sum())
            a["top1"] += int(hit1[m].sum())
            a["top5"] += int(hit5[m].sum())
    return {g: _summary(a, kind) for g, a in acc.items()}


def _summary(a: dict[str, float], kind: str) -> dict[str, float]:
    n = max(1, a["n"])
    out = {"tokens": a["n"], "loss": round(a["loss"] / n, 4), "top1": round(a["top1"] / n, 4),
           "top5": round(a["top5"] / n, 4)}
    if kind == "causal":
        out["perplexity"] = round(math.exp(a["loss"] / n), 2)
    return out
