"""BERT (BertForMaskedLM) and GPT-2 (GPT2LMHeadModel) in plain PyTorch, with Hugging Face semantics.

Parameter names are those of transformers' state dicts, so a checkpoint loads into the real classes, and the
forward passes compute what theirs compute (same masks, GELU variants, LayerNorm eps, tied output embedding).
Attention is written out as MatMul -> scale -> mask -> Softmax -> MatMul so an ONNX export keeps one plain
Softmax per layer whose output is [batch, heads, q, k]: Attention Lens reads those as the attention maps.
"""
import math

import torch
from torch import nn


def gelu_erf(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def gelu_new(x):  # GPT-2's tanh approximation ("gelu_new")
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def split_heads(x, heads):
    b, t, d = x.shape
    return x.view(b, t, heads, d // heads).permute(0, 2, 1, 3)


def merge_heads(x):
    b, h, t, hd = x.shape
    return x.permute(0, 2, 1, 3).reshape(b, t, h * hd)


# ---------------------------------------------------------------- BERT
class BertSelfAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x, ext_mask):
        q, k, v = (split_heads(f(x), self.heads) for f in (self.query, self.key, self.value))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        if ext_mask is not None:
            scores = scores + ext_mask
        probs = torch.softmax(scores, dim=-1)
        return merge_heads(torch.matmul(probs, v))


class BertSelfOutput(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.dense, self.LayerNorm = nn.Linear(d, d), nn.LayerNorm(d, eps=eps)


class BertAttention(nn.Module):
    def __init__(self, d, heads, eps):
        super().__init__()
        self.self = BertSelfAttention(d, heads)
        self.output = BertSelfOutput(d, eps)

    def forward(self, x, ext_mask, drop):
        a = drop(self.output.dense(self.self(x, ext_mask)))
        return self.output.LayerNorm(a + x)


class BertIntermediate(nn.Module):
    def __init__(self, d, ffn):
        super().__init__()
        self.dense = nn.Linear(d, ffn)


class BertOutput(nn.Module):
    def __init__(self, d, ffn, eps):
        super().__init__()
        self.dense, self.LayerNorm = nn.Linear(ffn, d), nn.LayerNorm(d, eps=eps)


class BertLayer(nn.Module):
    def __init__(self, d, heads, ffn, eps):
        super().__init__()
        self.attention = BertAttention(d, heads, eps)
        self.intermediate = BertIntermediate(d, ffn)
        self.output = BertOutput(d, ffn, eps)

    def forward(self, x, ext_mask, drop):
        a = self.attention(x, ext_mask, drop)
        h = self.output.dense(gelu_erf(self.intermediate.dense(a)))
        return self.output.LayerNorm(drop(h) + a)


class BertEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList(
            BertLayer(cfg["hidden_size"], cfg["num_attention_heads"], cfg["intermediate_size"], cfg["layer_norm_eps"])
            for _ in range(cfg["num_hidden_layers"]))


class BertEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], d, padding_idx=cfg["pad_token_id"])
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], d)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], d)
        self.LayerNorm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])


class BertModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)


class BertPredictionTransform(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.dense, self.LayerNorm = nn.Linear(d, d), nn.LayerNorm(d, eps=eps)


class BertLMPredictionHead(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.transform = BertPredictionTransform(cfg["hidden_size"], cfg["layer_norm_eps"])
        self.bias = nn.Parameter(torch.zeros(cfg["vocab_size"]))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.predictions = BertLMPredictionHead(cfg)


class BertForMaskedLM(nn.Module):
    def __init__(self, cfg, dropout=0.0):
        super().__init__()
        self.cfg = cfg
        self.bert = BertModel(cfg)
        self.cls = BertOnlyMLMHead(cfg)
        self.drop = nn.Dropout(dropout)
        init_weights(self)

    def hidden(self, input_ids, attention_mask=None, token_type_ids=None):
        e = self.bert.embeddings
        t = input_ids.shape[1]
        pos = torch.arange(t, device=input_ids.device).unsqueeze(0)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        x = e.word_embeddings(input_ids) + e.token_type_embeddings(token_type_ids) + e.position_embeddings(pos)
        x = self.drop(e.LayerNorm(x))
        ext = None
        if attention_mask is not None:  # HF: (1 - mask) * finfo.min, broadcast over heads and queries
            ext = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(torch.float32).min
        for layer in self.bert.encoder.layer:
            x = layer(x, ext, self.drop)
        return x

    def head(self, h):
        p = self.cls.predictions
        h = p.transform.LayerNorm(gelu_erf(p.transform.dense(h)).float())  # CPU autocast: LayerNorm wants fp32 in
        return torch.matmul(h, self.bert.embeddings.word_embeddings.weight.t()) + p.bias

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.head(self.hidden(input_ids, attention_mask, token_type_ids))


# ---------------------------------------------------------------- GPT-2
class Conv1D(nn.Module):
    """GPT-2's linear layer: weight stored [in, out]."""

    def __init__(self, nf, nx):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


class GPT2Attention(nn.Module):
    def __init__(self, d, heads, n_pos):
        super().__init__()
        self.heads = heads
        self.c_attn, self.c_proj = Conv1D(3 * d, d), Conv1D(d, d)
        self.register_buffer("bias", torch.tril(torch.ones(n_pos, n_pos, dtype=torch.bool)).view(1, 1, n_pos, n_pos),
                             persistent=False)

    def forward(self, x, ext_mask):
        q, k, v = self.c_attn(x).split(x.shape[-1], dim=2)
        q, k, v = (split_heads(z, self.heads) for z in (q, k, v))
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        t = q.shape[-2]
        causal = self.bias[:, :, :t, :t]
        w = torch.where(causal, w, torch.tensor(torch.finfo(torch.float32).min, dtype=w.dtype, device=w.device))
        if ext_mask is not None:
            w = w + ext_mask
        probs = torch.softmax(w, dim=-1)
        return self.c_proj(merge_heads(torch.matmul(probs, v)))


class GPT2MLP(nn.Module):
    def __init__(self, d, ffn):
        super().__init__()
        self.c_fc, self.c_proj = Conv1D(ffn, d), Conv1D(d, ffn)


class GPT2Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, eps = cfg["n_embd"], cfg["layer_norm_epsilon"]
        self.ln_1, self.ln_2 = nn.LayerNorm(d, eps=eps), nn.LayerNorm(d, eps=eps)
        self.attn = GPT2Attention(d, cfg["n_head"], cfg["n_positions"])
        self.mlp = GPT2MLP(d, cfg["n_inner"] or 4 * d)

    def forward(self, x, ext_mask, drop):
        x = x + drop(self.attn(self.ln_1(x), ext_mask))
        return x + drop(self.mlp.c_proj(gelu_new(self.mlp.c_fc(self.ln_2(x)))))


class GPT2Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["n_embd"]
        self.wte = nn.Embedding(cfg["vocab_size"], d)
        self.wpe = nn.Embedding(cfg["n_positions"], d)
        self.h = nn.ModuleList(GPT2Block(cfg) for _ in range(cfg["n_layer"]))
        self.ln_f = nn.LayerNorm(d, eps=cfg["layer_norm_epsilon"])


class GPT2LMHeadModel(nn.Module):
    def __init__(self, cfg, dropout=0.0):
        super().__init__()
        self.cfg = cfg
        self.transformer = GPT2Model(cfg)
        self.drop = nn.Dropout(dropout)
        init_weights(self)
        # GPT-2's scaled init of the residual projections
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg["n_layer"]))

    def hidden(self, input_ids, attention_mask=None, position_ids=None):
        tr = self.transformer
        if position_ids is None:
            position_ids = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        x = self.drop(tr.wte(input_ids) + tr.wpe(position_ids))
        ext = None
        if attention_mask is not None:
            ext = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(torch.float32).min
        for block in tr.h:
            x = block(x, ext, self.drop)
        return tr.ln_f(x)

    def forward(self, input_ids, attention_mask, position_ids):
        return torch.matmul(self.hidden(input_ids, attention_mask, position_ids), self.transformer.wte.weight.t())


def init_weights(model):
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)
            if m.padding_idx is not None:
                with torch.no_grad():
                    m.weight[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def bert_config(vocab, width, layers, heads, ffn, max_pos):
    return {
        "architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": vocab, "hidden_size": width,
        "num_hidden_layers": layers, "num_attention_heads": heads, "intermediate_size": ffn,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": max_pos, "type_vocab_size": 2, "initializer_range": 0.02,
        "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute", "use_cache": False,
        "classifier_dropout": None, "torch_dtype": "float32", "transformers_version": "4.46.0",
    }


def gpt2_config(vocab, width, layers, heads, ffn, max_pos):
    return {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": vocab, "n_embd": width,
        "n_layer": layers, "n_head": heads, "n_inner": ffn, "n_positions": max_pos, "n_ctx": max_pos,
        "activation_function": "gelu_new", "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
        "layer_norm_epsilon": 1e-5, "initializer_range": 0.02, "scale_attn_weights": True,
        "bos_token_id": 50256, "eos_token_id": 50256, "tie_word_embeddings": True, "use_cache": False,
        "summary_type": "cls_index", "summary_use_proj": True, "summary_activation": None,
        "summary_proj_to_labels": True, "summary_first_dropout": 0.1,
        "torch_dtype": "float32", "transformers_version": "4.46.0",
    }


def build(cfg):
    return BertForMaskedLM(cfg) if cfg["model_type"] == "bert" else GPT2LMHeadModel(cfg)
