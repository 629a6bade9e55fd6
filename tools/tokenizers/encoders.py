#!/usr/bin/python3
"""Builds the tokenizer folders of the tiny DeBERTa-v3 and ModernBERT test models, in the Hugging Face layout.

  /usr/bin/python3 tools/tokenizers/encoders.py [--out test/fixtures/tokenizers]

- tiny-deberta-v3-sp: a SentencePiece Unigram trained here (python3-sentencepiece) on the same pinned corpus as
  tiny-sp-bpe, converted as transformers' DebertaV2Converter writes deberta-v3's tokenizer.json: [PAD] [CLS] [SEP]
  [UNK] at ids 0-3, Strip and Replace(" {2,}" → " ") normalizers (identity rules: no Precompiled charsmap), a
  Metaspace pre-tokenizer, "[CLS] A [SEP]" / "[CLS] A [SEP] B [SEP]", and [MASK] added after the pieces.
- tiny-modernbert-bpe: ModernBERT's byte-level BPE layout (ByteLevel pre-tokenizer with its regex, "[CLS] A [SEP]",
  [MASK] with lstrip) over gpt2's 256 bytes and first 1,744 merges (a consistent BPE: each merge joins pieces made
  before it), so a long input's logits stay small; [UNK] [CLS] [SEP] [PAD] [MASK] follow, as in ModernBERT.
"""
import json
import tempfile
from pathlib import Path

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2

from modern import added, build_folders, corpus_text, decoder_config, special_map, tokenizer_json, write_json

MODERNBERT_MERGES = 1744


def pair_template(cls: str, cls_id: int, sep: str, sep_id: int) -> dict:
    """TemplateProcessing "[CLS] A [SEP]" and "[CLS] A [SEP] B [SEP]" (B's type id 1), as BERT-style encoders ship it."""
    special = lambda name, type_id: {'SpecialToken': {'id': name, 'type_id': type_id}}  # noqa: E731
    sequence = lambda name, type_id: {'Sequence': {'id': name, 'type_id': type_id}}  # noqa: E731
    return {
        'type': 'TemplateProcessing',
        'single': [special(cls, 0), sequence('A', 0), special(sep, 0)],
        'pair': [special(cls, 0), sequence('A', 0), special(sep, 0), sequence('B', 1), special(sep, 1)],
        'special_tokens': {cls: {'id': cls, 'ids': [cls_id], 'tokens': [cls]}, sep: {'id': sep, 'ids': [sep_id], 'tokens': [sep]}},
    }


def train_unigram(work: Path) -> bytes:
    corpus = work / 'corpus.txt'
    corpus.write_text(corpus_text(), encoding='utf-8')
    prefix = work / 'sp'
    # deberta-v3's spm.model: Unigram, ids 0-3 = [PAD] [CLS] [SEP] [UNK]; identity normalization keeps spans simple.
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(prefix), model_type='unigram', vocab_size=1000, character_coverage=0.9995,
        split_digits=True, normalization_rule_name='identity', max_sentence_length=1 << 16, num_threads=1,
        pad_id=0, bos_id=1, eos_id=2, unk_id=3, pad_piece='[PAD]', bos_piece='[CLS]', eos_piece='[SEP]', unk_piece='[UNK]',
        minloglevel=2,
    )
    return prefix.with_suffix('.model').read_bytes()


def build_deberta(out: Path) -> None:
    folder = out / 'tiny-deberta-v3-sp'
    with tempfile.TemporaryDirectory() as tmp:
        model_bytes = train_unigram(Path(tmp))
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model_bytes)
    # The trainer records its temporary input and output paths: cleared, so a rebuild writes the same bytes.
    proto.trainer_spec.ClearField('input')
    proto.trainer_spec.ClearField('model_prefix')
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'spm.model').write_bytes(proto.SerializeToString())
    pieces = [[p.piece, p.score] for p in proto.pieces]
    mask_id = len(pieces)
    tokens = [added(0, '[PAD]'), added(1, '[CLS]'), added(2, '[SEP]'), added(3, '[UNK]'), added(mask_id, '[MASK]')]
    tokenizer = tokenizer_json(
        tokens,
        normalizer={'type': 'Sequence', 'normalizers': [
            {'type': 'Strip', 'strip_left': True, 'strip_right': True},
            {'type': 'Replace', 'pattern': {'Regex': ' {2,}'}, 'content': ' '},
        ]},
        pre_tokenizer={'type': 'Metaspace', 'replacement': '▁', 'prepend_scheme': 'always', 'split': True},
        post_processor=pair_template('[CLS]', 1, '[SEP]', 2),
        decoder={'type': 'Metaspace', 'replacement': '▁', 'prepend_scheme': 'always', 'split': True},
        model={'type': 'Unigram', 'unk_id': 3, 'vocab': pieces, 'byte_fallback': False},
    )
    write_json(folder, 'tokenizer.json', tokenizer)
    write_json(folder, 'tokenizer_config.json', {
        'added_tokens_decoder': decoder_config(tokens),
        'bos_token': '[CLS]', 'cls_token': '[CLS]', 'do_lower_case': False, 'eos_token': '[SEP]', 'mask_token': '[MASK]',
        'model_max_length': 1000000000000000019884624838656, 'pad_token': '[PAD]', 'sep_token': '[SEP]',
        'split_by_punct': False, 'tokenizer_class': 'DebertaV2Tokenizer', 'unk_token': '[UNK]', 'vocab_type': 'spm',
    })
    write_json(folder, 'special_tokens_map.json', special_map(
        bos_token='[CLS]', cls_token='[CLS]', eos_token='[SEP]', mask_token='[MASK]', pad_token='[PAD]', sep_token='[SEP]',
        unk_token='[UNK]'))


def build_modernbert(out: Path) -> None:
    gpt2 = json.loads((out / 'gpt2' / 'tokenizer.json').read_text(encoding='utf-8'))
    size = 256 + MODERNBERT_MERGES
    vocab = {piece: i for piece, i in gpt2['model']['vocab'].items() if i < size}
    merges = gpt2['model']['merges'][:MODERNBERT_MERGES]
    assert len(vocab) == size and all(''.join(m.split(' ')) in vocab for m in merges), 'gpt2 merges are not in order'
    names = ['[UNK]', '[CLS]', '[SEP]', '[PAD]', '[MASK]']
    tokens = [added(size + i, name) for i, name in enumerate(names)]
    tokens[-1]['lstrip'] = True  # ModernBERT's [MASK] takes the space before it
    byte_level = {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True}
    tokenizer = tokenizer_json(
        tokens,
        normalizer=None,
        pre_tokenizer=byte_level,
        post_processor=pair_template('[CLS]', size + 1, '[SEP]', size + 2),
        decoder=byte_level,
        model={
            'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None, 'end_of_word_suffix': None,
            'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False, 'vocab': vocab, 'merges': merges,
        },
    )
    folder = out / 'tiny-modernbert-bpe'
    write_json(folder, 'tokenizer.json', tokenizer)
    write_json(folder, 'tokenizer_config.json', {
        'added_tokens_decoder': decoder_config(tokens), 'clean_up_tokenization_spaces': True, 'cls_token': '[CLS]',
        'mask_token': '[MASK]', 'model_input_names': ['input_ids', 'attention_mask'], 'model_max_length': 8192,
        'pad_token': '[PAD]', 'sep_token': '[SEP]', 'tokenizer_class': 'PreTrainedTokenizerFast', 'unk_token': '[UNK]',
    })
    write_json(folder, 'special_tokens_map.json', special_map(
        cls_token='[CLS]', mask_token='[MASK]', pad_token='[PAD]', sep_token='[SEP]', unk_token='[UNK]'))


def main() -> None:
    build_folders(__doc__, {'tiny-deberta-v3-sp': build_deberta, 'tiny-modernbert-bpe': build_modernbert})

if __name__ == '__main__':
    main()
