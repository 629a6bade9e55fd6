#!/usr/bin/python3
"""Builds the tokenizer folders of the encoders beyond BERT for the tests, in the Hugging Face layout.

  /usr/bin/python3 tools/tokenizers/encoders.py [--out test/fixtures/tokenizers]

- tiny-roberta-bpe: RoBERTa's byte-level BPE layout (<s> <pad> </s> <unk> first, <mask> last with lstrip, a
  RobertaProcessing post-processor) over gpt2's first MERGES merges (test/fixtures/tokenizers/gpt2): in gpt2's
  vocabulary ids 0-255 are the bytes and merge i makes id 256 + i, so its first merges are a whole BPE of their own.
- tiny-xlmr-unigram, tiny-camembert-unigram (the same model) and tiny-albert-unigram: SentencePiece Unigram models
  trained here (python3-sentencepiece, NFKC rules, so the model carries a precompiled_charsmap) on modern.py's corpus,
  converted as transformers' XLMRobertaConverter, CamembertConverter and AlbertConverter write xlm-roberta-base's,
  camembert-base's and albert-base-v2's tokenizer.json: a Precompiled normalizer (ALBERT's after quote Replaces,
  NFKD, StripAccents and Lowercase), a WhitespaceSplit + Metaspace pre-tokenizer, <mask> / [MASK] with lstrip. Each
  folder holds spiece.model and sentencepiece_reference.json (SentencePiece's own ids of a few texts, mapped as the
  converter maps them, special tokens added).
- tiny-deberta-v3-sp: a SentencePiece Unigram trained on the same corpus with identity rules (no Precompiled
  charsmap), converted as transformers' DebertaV2Converter writes deberta-v3's tokenizer.json: [PAD] [CLS] [SEP]
  [UNK] at ids 0-3, Strip and Replace(" {2,}" → " ") normalizers, a Metaspace pre-tokenizer, "[CLS] A [SEP]" /
  "[CLS] A [SEP] B [SEP]", and [MASK] added after the pieces.
- tiny-modernbert-bpe: ModernBERT's byte-level BPE layout (ByteLevel pre-tokenizer with its regex, "[CLS] A [SEP]",
  [MASK] with lstrip) over gpt2's 256 bytes and first 1,744 merges (a consistent BPE: each merge joins pieces made
  before it), so a long input's logits stay small; [UNK] [CLS] [SEP] [PAD] [MASK] follow, as in ModernBERT.
"""
import base64
import json
import tempfile
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2

from modern import (REFERENCE_TEXTS, added, build_folders, corpus_text, decoder_config, special_map, tokenizer_json,
                    write_json)

MERGES = 2000
MODERNBERT_MERGES = 1744
UNIGRAM_VOCAB = 1000


def mask_entry(content: str) -> dict:
    """The mask token as tokenizer_config.json names it: an AddedToken that swallows the space before it."""
    return {'__type': 'AddedToken', 'content': content, 'lstrip': True, 'normalized': False, 'rstrip': False,
            'single_word': False}


def build_roberta(out: Path) -> None:
    gpt2 = json.loads((out / 'gpt2' / 'tokenizer.json').read_text(encoding='utf-8'))
    by_id = {i: piece for piece, i in gpt2['model']['vocab'].items()}
    merges = gpt2['model']['merges'][:MERGES]
    assert all(m.replace(' ', '') == by_id[256 + i] for i, m in enumerate(merges)), 'gpt2 merge i must make id 256 + i'
    specials = ['<s>', '<pad>', '</s>', '<unk>']
    vocab = {piece: i for i, piece in enumerate(specials)}
    vocab.update({by_id[i]: len(specials) + i for i in range(256 + MERGES)})
    mask_id = len(vocab)
    vocab['<mask>'] = mask_id
    tokens = [added(i, s) for i, s in enumerate(specials)] + [added(mask_id, '<mask>', lstrip=True)]
    byte_level = {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True}
    tokenizer = tokenizer_json(
        tokens, normalizer=None, pre_tokenizer=byte_level,
        post_processor={'type': 'RobertaProcessing', 'sep': ['</s>', 2], 'cls': ['<s>', 0], 'trim_offsets': True,
                        'add_prefix_space': False},
        decoder={**byte_level, 'add_prefix_space': True},
        model={**gpt2['model'], 'vocab': vocab, 'merges': merges},
    )
    folder = out / 'tiny-roberta-bpe'
    write_json(folder, 'tokenizer.json', tokenizer)
    write_json(folder, 'tokenizer_config.json', {
        'add_prefix_space': False, 'added_tokens_decoder': decoder_config(tokens), 'bos_token': '<s>',
        'clean_up_tokenization_spaces': True, 'cls_token': '<s>', 'eos_token': '</s>', 'errors': 'replace',
        'mask_token': mask_entry('<mask>'), 'model_max_length': 512, 'pad_token': '<pad>', 'sep_token': '</s>',
        'tokenizer_class': 'RobertaTokenizer', 'trim_offsets': True, 'unk_token': '<unk>',
    })
    write_json(folder, 'special_tokens_map.json', {
        **special_map(bos_token='<s>', cls_token='<s>', eos_token='</s>', pad_token='<pad>', sep_token='</s>',
                      unk_token='<unk>'),
        'mask_token': {k: v for k, v in mask_entry('<mask>').items() if k != '__type'},
    })


def train_unigram(work: Path, name: str, recorded_paths: tuple[str, str] | None = ('corpus.txt', 'spiece'),
                  **options: object) -> bytes:
    """A SentencePiece Unigram of UNIGRAM_VOCAB pieces on modern.py's corpus (NFKC rules unless `options` say
    otherwise). The trainer records where it read and wrote (a temporary folder): those fields say recorded_paths
    instead, or are cleared (None), so rebuilds are byte-identical."""
    corpus = work / 'corpus.txt'
    if not corpus.exists():
        corpus.write_text(corpus_text(), encoding='utf-8')
    prefix = work / name
    spm.SentencePieceTrainer.train(**{
        'input': str(corpus), 'model_prefix': str(prefix), 'model_type': 'unigram', 'vocab_size': UNIGRAM_VOCAB,
        'character_coverage': 0.9995, 'normalization_rule_name': 'nmt_nfkc', 'max_sentence_length': 1 << 16,
        'num_threads': 1, 'minloglevel': 2, **options,
    })
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(prefix.with_suffix('.model').read_bytes())
    proto.trainer_spec.ClearField('input')
    proto.trainer_spec.ClearField('model_prefix')
    if recorded_paths:
        proto.trainer_spec.input.append(recorded_paths[0])
        proto.trainer_spec.model_prefix = recorded_paths[1]
    return proto.SerializeToString()


@cache
def fairseq_unigram() -> bytes:
    """The Unigram model XLM-R's and CamemBERT's fixtures share (fairseq's <unk> <s> </s> at ids 0-2, no pad)."""
    with tempfile.TemporaryDirectory() as tmp:
        return train_unigram(Path(tmp), 'fairseq', unk_id=0, bos_id=1, eos_id=2, pad_id=-1)


def metaspace() -> dict:
    return {'type': 'Metaspace', 'replacement': '▁', 'prepend_scheme': 'always', 'split': True}


def whitespace_metaspace() -> dict:
    """SpmConverter's pre-tokenizer in the Hub's xlm-roberta-base and albert-base-v2 files: words split on
    whitespace (runs of spaces vanish, as SentencePiece's remove_extra_whitespaces does), then Metaspace."""
    return {'type': 'Sequence', 'pretokenizers': [{'type': 'WhitespaceSplit'}, metaspace()]}


def template(cls: str, cls_id: int, sep: str, sep_id: int, pair_sep: list[str], second: int) -> dict:
    """TemplateProcessing: cls A sep for one sequence; the pair as XLM-R (</s></s>) or ALBERT, DeBERTa and ModernBERT
    ([SEP]) join it, B with token type `second` (1; XLM-R has one token type)."""
    tok = lambda t, type_id: {'SpecialToken': {'id': t, 'type_id': type_id}}  # noqa: E731
    seq = lambda s, type_id: {'Sequence': {'id': s, 'type_id': type_id}}  # noqa: E731
    return {
        'type': 'TemplateProcessing',
        'single': [tok(cls, 0), seq('A', 0), tok(sep, 0)],
        'pair': [tok(cls, 0), seq('A', 0), *[tok(s, 0) for s in pair_sep], seq('B', second), tok(sep, second)],
        'special_tokens': {cls: {'id': cls, 'ids': [cls_id], 'tokens': [cls]},
                           sep: {'id': sep, 'ids': [sep_id], 'tokens': [sep]}},
    }


def albert_preprocess(text: str) -> str:
    """AlbertTokenizer.preprocess_text (remove_space, no accents, lower case): what its SentencePiece model sees."""
    text = ' '.join(text.strip().split()).replace('``', '"').replace("''", '"')
    text = ''.join(c for c in unicodedata.normalize('NFKD', text) if not unicodedata.combining(c))
    return text.lower()


def write_unigram(folder: Path, model: bytes, tokenizer: dict, config: dict, specials: dict,
                  ids: Callable[[list[int]], list[int]], preprocess: Callable[[str], str] = lambda t: t) -> None:
    """The folder, with the ids SentencePiece itself gives a few texts (through `ids`, the converter's id map,
    special tokens added) in sentencepiece_reference.json."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'spiece.model').write_bytes(model)
    sp = spm.SentencePieceProcessor(model_proto=model)
    write_json(folder, 'sentencepiece_reference.json', [{'text': t, 'ids': ids(sp.encode(preprocess(t)))}
                                                         for t in REFERENCE_TEXTS])
    write_json(folder, 'tokenizer.json', tokenizer)
    write_json(folder, 'tokenizer_config.json', config)
    write_json(folder, 'special_tokens_map.json', specials)


def write_fairseq_unigram(folder: Path, model: bytes, vocab: list, tokens: list[dict], ids: Callable[[list[int]], list[int]],
                          config: dict) -> None:
    """XLM-R's and CamemBERT's layout of a Unigram model: a Precompiled normalizer, <s> A </s> (a pair joined by
    </s></s>), <unk> at id 3, <mask> last; `ids` maps SentencePiece's ids to the vocabulary's."""
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model)
    by_piece = {piece: i for i, (piece, _) in enumerate(vocab)}
    tokens.append(added(len(vocab) - 1, '<mask>', lstrip=True))
    charsmap = proto.normalizer_spec.precompiled_charsmap
    tokenizer = tokenizer_json(
        tokens, normalizer={'type': 'Precompiled', 'precompiled_charsmap': base64.b64encode(charsmap).decode('ascii')},
        pre_tokenizer=whitespace_metaspace(),
        post_processor=template('<s>', by_piece['<s>'], '</s>', by_piece['</s>'], ['</s>', '</s>'], 0),
        decoder=metaspace(), model={'type': 'Unigram', 'unk_id': 3, 'vocab': vocab, 'byte_fallback': False},
    )
    names = dict(bos_token='<s>', cls_token='<s>', eos_token='</s>', pad_token='<pad>', sep_token='</s>', unk_token='<unk>')
    write_unigram(folder, model, tokenizer, {
        'added_tokens_decoder': decoder_config(tokens), **names, 'clean_up_tokenization_spaces': True,
        'mask_token': mask_entry('<mask>'), 'model_max_length': 512, **config,
    }, {**special_map(**names), 'mask_token': {k: v for k, v in mask_entry('<mask>').items() if k != '__type'}},
        lambda spm_ids: [by_piece['<s>'], *ids(spm_ids), by_piece['</s>']])


def build_xlmr(out: Path) -> None:
    model = fairseq_unigram()
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model)
    # XLMRobertaConverter.vocab: fairseq's four specials, the model's pieces after its own three, <mask> last.
    vocab = [['<s>', 0.0], ['<pad>', 0.0], ['</s>', 0.0], ['<unk>', 0.0]]
    vocab += [[p.piece, p.score] for p in proto.pieces[3:]] + [['<mask>', 0.0]]
    tokens = [added(i, s) for i, s in enumerate(['<s>', '<pad>', '</s>', '<unk>'])]
    write_fairseq_unigram(out / 'tiny-xlmr-unigram', model, vocab, tokens,
                          lambda ids: [3 if i == 0 else i + 1 for i in ids], {'tokenizer_class': 'XLMRobertaTokenizer'})


def build_camembert(out: Path) -> None:
    model = fairseq_unigram()
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model)
    # CamembertConverter.vocab: fairseq's specials as "…NOTUSED" pieces (its <unk> down-graded to -100), then the
    # model's pieces after its own <unk>, so SentencePiece's <s> and </s> are the ones used; <mask> last.
    notused = ['<s>NOTUSED', '<pad>', '</s>NOTUSED', '<unk>', '<unk>NOTUSED']
    vocab = [[p, -100.0 if p == '<unk>NOTUSED' else 0.0] for p in notused]
    vocab += [[p.piece, p.score] for p in proto.pieces[1:]] + [['<mask>', 0.0]]
    tokens = [added(i, s) for i, s in enumerate(notused)] + [added(5, '<s>'), added(6, '</s>')]
    write_fairseq_unigram(out / 'tiny-camembert-unigram', model, vocab, tokens,
                          lambda ids: [3 if i == 0 else i + 4 for i in ids], {
                              'additional_special_tokens': ['<s>NOTUSED', '</s>NOTUSED', '<unk>NOTUSED'],
                              'tokenizer_class': 'CamembertTokenizer'})


def build_albert(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        model = train_unigram(Path(tmp), 'albert', pad_id=0, unk_id=1, bos_id=-1, eos_id=-1,
                              control_symbols=['[CLS]', '[SEP]', '[MASK]'])
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model)
    # AlbertConverter: the model's pieces as they are (<pad> <unk> [CLS] [SEP] [MASK] first), unk_id from the model.
    vocab = [[p.piece, p.score] for p in proto.pieces]
    assert [v[0] for v in vocab[:5]] == ['<pad>', '<unk>', '[CLS]', '[SEP]', '[MASK]']
    tokens = [added(0, '<pad>'), added(1, '<unk>'), added(2, '[CLS]'), added(3, '[SEP]'), added(4, '[MASK]', lstrip=True)]
    charsmap = base64.b64encode(proto.normalizer_spec.precompiled_charsmap).decode('ascii')
    quote = lambda s: {'type': 'Replace', 'pattern': {'String': s}, 'content': '"'}  # noqa: E731
    tokenizer = tokenizer_json(
        tokens,
        normalizer={'type': 'Sequence', 'normalizers': [
            quote('``'), quote("''"), {'type': 'NFKD'}, {'type': 'StripAccents'}, {'type': 'Lowercase'},
            {'type': 'Precompiled', 'precompiled_charsmap': charsmap},
        ]},
        pre_tokenizer=whitespace_metaspace(), post_processor=template('[CLS]', 2, '[SEP]', 3, ['[SEP]'], 1),
        decoder=metaspace(),
        model={'type': 'Unigram', 'unk_id': proto.trainer_spec.unk_id, 'vocab': vocab, 'byte_fallback': False},
    )
    names = dict(bos_token='[CLS]', cls_token='[CLS]', eos_token='[SEP]', pad_token='<pad>', sep_token='[SEP]',
                 unk_token='<unk>')
    write_unigram(out / 'tiny-albert-unigram', model, tokenizer, {
        'added_tokens_decoder': decoder_config(tokens), **names, 'clean_up_tokenization_spaces': True,
        'do_lower_case': True, 'keep_accents': False, 'mask_token': mask_entry('[MASK]'), 'model_max_length': 512,
        'remove_space': True, 'tokenizer_class': 'AlbertTokenizer',
    }, {**special_map(**names), 'mask_token': {k: v for k, v in mask_entry('[MASK]').items() if k != '__type'}},
        lambda ids: [2, *ids, 3], albert_preprocess)


def build_deberta(out: Path) -> None:
    folder = out / 'tiny-deberta-v3-sp'
    # deberta-v3's spm.model: ids 0-3 = [PAD] [CLS] [SEP] [UNK]; identity normalization keeps spans simple.
    with tempfile.TemporaryDirectory() as tmp:
        model_bytes = train_unigram(
            Path(tmp), 'sp', None, split_digits=True, normalization_rule_name='identity', pad_id=0, bos_id=1, eos_id=2,
            unk_id=3, pad_piece='[PAD]', bos_piece='[CLS]', eos_piece='[SEP]', unk_piece='[UNK]')
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model_bytes)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'spm.model').write_bytes(model_bytes)
    pieces = [[p.piece, p.score] for p in proto.pieces]
    mask_id = len(pieces)
    tokens = [added(0, '[PAD]'), added(1, '[CLS]'), added(2, '[SEP]'), added(3, '[UNK]'), added(mask_id, '[MASK]')]
    tokenizer = tokenizer_json(
        tokens,
        normalizer={'type': 'Sequence', 'normalizers': [
            {'type': 'Strip', 'strip_left': True, 'strip_right': True},
            {'type': 'Replace', 'pattern': {'Regex': ' {2,}'}, 'content': ' '},
        ]},
        pre_tokenizer=metaspace(),
        post_processor=template('[CLS]', 1, '[SEP]', 2, ['[SEP]'], 1),
        decoder=metaspace(),
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
    # ModernBERT's [MASK] takes the space before it.
    tokens = [added(size + i, name, lstrip=name == '[MASK]') for i, name in enumerate(names)]
    byte_level = {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True}
    tokenizer = tokenizer_json(
        tokens,
        normalizer=None,
        pre_tokenizer=byte_level,
        post_processor=template('[CLS]', size + 1, '[SEP]', size + 2, ['[SEP]'], 1),
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
    build_folders(__doc__, {
        'tiny-roberta-bpe': build_roberta, 'tiny-xlmr-unigram': build_xlmr, 'tiny-camembert-unigram': build_camembert,
        'tiny-albert-unigram': build_albert, 'tiny-deberta-v3-sp': build_deberta, 'tiny-modernbert-bpe': build_modernbert,
    })


if __name__ == '__main__':
    main()
