"""The config.json files of the tiny encoder test models (test/fixtures/models/tiny-{roberta,xlm-roberta,distilbert,
albert,electra,deberta-v3,modernbert}): the real models' files (roberta-base, xlm-roberta-base, distilbert-base-uncased,
albert-base-v2, electra-small-generator, microsoft/deberta-v3-base, answerdotai/ModernBERT-base) with their keys and
defaults, shrunk to width 32 (16 for the factorised embeddings and DistilBERT) and a few layers, over the fixture
tokenizers' vocabularies. RoBERTa's relatives have 64 usable positions; DeBERTa keeps 512 and ModernBERT 8,192."""
from typing import Any

Config = dict[str, Any]

_BERT_LIKE = {
    "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 32,
    "initializer_range": 0.02, "intermediate_size": 64, "layer_norm_eps": 1e-12, "max_position_embeddings": 64,
    "num_attention_heads": 4, "num_hidden_layers": 2, "pad_token_id": 0, "position_embedding_type": "absolute",
    "type_vocab_size": 2, "transformers_version": "4.46.0",
}


def roberta(model_type: str, architecture: str, vocab_size: int) -> Config:
    # Positions start after the padding index (1): 64 usable positions need 66 rows.
    return {**_BERT_LIKE, "architectures": [architecture], "model_type": model_type, "bos_token_id": 0,
            "eos_token_id": 2, "pad_token_id": 1, "layer_norm_eps": 1e-05, "max_position_embeddings": 66,
            "type_vocab_size": 1, "use_cache": True, "vocab_size": vocab_size}


def distilbert(vocab_size: int) -> Config:
    # DistilBERT's six layers; sinusoidal positions (distilbert-base-uncased learns them: both are one table).
    return {"activation": "gelu", "architectures": ["DistilBertForMaskedLM"], "attention_dropout": 0.1, "dim": 16,
            "dropout": 0.1, "hidden_dim": 32, "initializer_range": 0.02, "max_position_embeddings": 64,
            "model_type": "distilbert", "n_heads": 4, "n_layers": 6, "pad_token_id": 0, "qa_dropout": 0.1,
            "seq_classif_dropout": 0.2, "sinusoidal_pos_embds": True, "tie_weights_": True,
            "transformers_version": "4.46.0", "vocab_size": vocab_size}


def albert(vocab_size: int) -> Config:
    # Three layers, one shared layer group: every layer runs the same weights.
    return {**_BERT_LIKE, "architectures": ["AlbertForMaskedLM"], "model_type": "albert", "attention_probs_dropout_prob": 0,
            "bos_token_id": 2, "classifier_dropout_prob": 0.1, "embedding_size": 16, "eos_token_id": 3,
            "hidden_act": "gelu_new", "hidden_dropout_prob": 0, "inner_group_num": 1, "num_hidden_groups": 1,
            "num_hidden_layers": 3, "vocab_size": vocab_size}


def electra(vocab_size: int) -> Config:
    return {**_BERT_LIKE, "architectures": ["ElectraForMaskedLM"], "model_type": "electra", "embedding_size": 16,
            "summary_activation": "gelu", "summary_last_dropout": 0.1, "summary_type": "first",
            "summary_use_proj": True, "vocab_size": vocab_size}


_DEBERTA_V3: Config = {
    "architectures": ["DebertaV2ForMaskedLM"],
    "attention_probs_dropout_prob": 0.1,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "hidden_size": 32,
    "initializer_range": 0.02,
    "intermediate_size": 64,
    "layer_norm_eps": 1e-07,
    "max_position_embeddings": 512,
    "max_relative_positions": -1,
    "model_type": "deberta-v2",
    "norm_rel_ebd": "layer_norm",
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "pad_token_id": 0,
    "pooler_dropout": 0,
    "pooler_hidden_act": "gelu",
    "pooler_hidden_size": 32,
    "pos_att_type": ["p2c", "c2p"],
    "position_biased_input": False,
    "position_buckets": 8,
    "relative_attention": True,
    "share_att_key": True,
    "torch_dtype": "float32",
    "transformers_version": "4.46.0",
    "type_vocab_size": 0,
}

_MODERNBERT: Config = {
    "architectures": ["ModernBertForMaskedLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 2001,
    "classifier_activation": "gelu",
    "classifier_bias": False,
    "classifier_dropout": 0.0,
    "classifier_pooling": "mean",
    "cls_token_id": 2001,
    "decoder_bias": True,
    "deterministic_flash_attn": False,
    "embedding_dropout": 0.0,
    "eos_token_id": 2002,
    "global_attn_every_n_layers": 2,
    "global_rope_theta": 160000.0,
    "hidden_activation": "gelu",
    "hidden_size": 32,
    "initializer_cutoff_factor": 2.0,
    "initializer_range": 0.02,
    "intermediate_size": 48,
    "layer_norm_eps": 1e-05,
    "local_attention": 8,
    "local_rope_theta": 10000.0,
    "max_position_embeddings": 8192,
    "mlp_bias": False,
    "mlp_dropout": 0.0,
    "model_type": "modernbert",
    "norm_bias": False,
    "norm_eps": 1e-05,
    "num_attention_heads": 2,
    "num_hidden_layers": 3,
    "pad_token_id": 2003,
    "sep_token_id": 2002,
    "sparse_pred_ignore_index": -100,
    "sparse_prediction": False,
    "torch_dtype": "float32",
    "transformers_version": "4.48.0",
}


def deberta_v3(vocab_size: int) -> Config:
    # type_vocab_size 0: the graph takes no token_type_ids.
    return {**_DEBERTA_V3, "vocab_size": vocab_size}


def modernbert(vocab_size: int) -> Config:
    # Layers 0 and 2 global, layer 1 a window of ±4 (local_attention 8); special ids are the BPE fixture's.
    return {**_MODERNBERT, "vocab_size": vocab_size}
