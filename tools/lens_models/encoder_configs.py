"""The config.json files of the tiny encoder test models (test/fixtures/models/tiny-{roberta,xlm-roberta,distilbert,
albert,electra}): the real models' files (roberta-base, xlm-roberta-base, distilbert-base-uncased, albert-base-v2,
electra-small-generator) with their keys and defaults, shrunk to width 32 (16 for the factorised embeddings and
DistilBERT) and 64 usable positions, over the fixture tokenizers' vocabularies."""
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
