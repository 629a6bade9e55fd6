"""Training and evaluation windows of the tokenized corpus (tools/lens_models/tokenize.mjs corpus writes it):
BERT's masking, next-token targets, and the sampled softmax's candidate set."""
import math

import numpy as np
import torch
from torch import Tensor

BERT = {"vocab": 30522, "cls": 101, "sep": 102, "mask": 103, "first_normal": 999}  # [unused*] below 999
GPT2 = {"vocab": 50257, "eos": 50256}
Candidates = tuple[Tensor, Tensor, Tensor]  # ids, lookup from vocabulary id to candidate index, logit correction


def load_tokens(corpus: str, name: str, split: str) -> Tensor:
    return torch.from_numpy(np.fromfile(f"{corpus}/{name}-{split}.u16", dtype=np.uint16).astype(np.int64))


def load_sources(corpus: str, name: str, split: str) -> Tensor:
    """Index (in sources.json) of each token's source."""
    return torch.from_numpy(np.fromfile(f"{corpus}/{name}-{split}.src", dtype=np.uint8).astype(np.int64))


def masked_batch(tokens: Tensor, starts: Tensor, seq: int, gen: torch.Generator) -> tuple[Tensor, Tensor, Tensor]:
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


def causal_batch(tokens: Tensor, starts: Tensor, seq: int) -> tuple[Tensor, Tensor]:
    rows = torch.stack([tokens[s:s + seq + 1] for s in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


def candidates(top_ids: Tensor, targets: Tensor, negatives: int, gen: torch.Generator) -> Candidates:
    """The sampled softmax's vocabulary for one step: the most frequent tokens and the batch's targets (always
    in) plus `negatives` uniform draws, whose logits get the log-inclusion correction +log((V-K)/M) so that rare
    tokens are pushed down as the full softmax would push them."""
    dev = targets.device
    flat = targets.reshape(-1)
    neg = torch.randint(0, GPT2["vocab"], (negatives,), generator=gen).to(dev)
    ids = torch.unique(torch.cat([top_ids, flat, neg]))
    lut = torch.full((GPT2["vocab"],), -1, dtype=torch.long, device=dev)
    lut[ids] = torch.arange(len(ids), device=dev)
    fixed = torch.zeros(GPT2["vocab"], dtype=torch.bool, device=dev)
    fixed[top_ids] = True
    fixed[flat] = True
    corr = torch.where(fixed[ids], 0.0, math.log((GPT2["vocab"] - len(top_ids)) / max(1, negatives)))
    return ids, lut, corr
