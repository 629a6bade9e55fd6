#!/usr/bin/python3
"""Builds the tokenizer folders of modern decoders for the tests, in the Hugging Face layout.

  /usr/bin/python3 tools/tokenizers/modern.py [--out test/fixtures/tokenizers]

- tiny-llama3-bpe: Llama 3's byte-level BPE layout (a Split pre-tokenizer with Llama 3's regex, then ByteLevel
  without its own regex; ignore_merges; a TemplateProcessing post-processor that adds <|begin_of_text|>) over
  gpt2's vocabulary and merges (test/fixtures/tokenizers/gpt2, built by build.mjs).
- tiny-sp-bpe: a SentencePiece BPE with byte fallback trained here (python3-sentencepiece) on this repository's
  Markdown and TypeScript at a pinned commit, so a rebuild gives the same files, converted to tokenizer.json as
  transformers' LlamaConverter writes Llama 2's (legacy layout: Prepend("▁") + Replace(" ", "▁") normalizer); the
  folder also holds tokenizer.model and sentencepiece_reference.json (SentencePiece's own ids of a few texts, BOS first).
"""
import argparse
import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2

REPO = Path(__file__).resolve().parents[2]
# The corpus is read from this commit, not the working tree, so the trained model does not drift.
CORPUS_COMMIT = '089721efeb52c063eb1d366d6de74c00fc433884'
CORPUS_CHARS = 450_000
# Llama 3's pre-tokenizer pattern (Meta-Llama-3-8B tokenizer.json); Qwen 2.5's differs only in \p{N} vs \p{N}{1,3}.
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def write_json(folder: Path, name: str, value: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(value, indent=2, ensure_ascii=False) + '\n', encoding='utf-8')


def added(id_: int, content: str, lstrip: bool = False) -> dict:
    """An added_tokens entry; lstrip: the token swallows the space before it (RoBERTa's <mask>)."""
    return {'id': id_, 'content': content, 'single_word': False, 'lstrip': lstrip, 'rstrip': False, 'normalized': False,
            'special': True}


def tokenizer_json(tokens: list[dict], **parts: object) -> dict:
    """tokenizer.json in the tokenizers library's field order, without truncation or padding."""
    return {'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': tokens, **parts}


def bos_template(bos: str, bos_id: int) -> dict:
    """TemplateProcessing that puts the BOS before each sequence, as Llama 2 and Llama 3 ship it."""
    return {
        'type': 'TemplateProcessing',
        'single': [{'SpecialToken': {'id': bos, 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}],
        'pair': [{'SpecialToken': {'id': bos, 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                 {'SpecialToken': {'id': bos, 'type_id': 1}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
        'special_tokens': {bos: {'id': bos, 'ids': [bos_id], 'tokens': [bos]}},
    }


def decoder_config(tokens: list[dict]) -> dict:
    """tokenizer_config.json's added_tokens_decoder: each added token by id, without the id."""
    return {str(t['id']): {k: v for k, v in t.items() if k != 'id'} for t in tokens}


def special_map(**names: str) -> dict:
    return {key: {'content': v, 'lstrip': False, 'normalized': False, 'rstrip': False, 'single_word': False}
            for key, v in names.items()}


def build_llama3(out: Path) -> None:
    gpt2 = json.loads((out / 'gpt2' / 'tokenizer.json').read_text(encoding='utf-8'))
    vocab, merges = gpt2['model']['vocab'], gpt2['model']['merges']
    base = len(vocab)  # 50257: gpt2's <|endoftext|> is its last id
    tokens = [added(base - 1, '<|endoftext|>'), added(base, '<|begin_of_text|>'), added(base + 1, '<|end_of_text|>')]
    tokenizer = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': tokens,
        'normalizer': None,
        'pre_tokenizer': {
            'type': 'Sequence',
            'pretokenizers': [
                {'type': 'Split', 'pattern': {'Regex': LLAMA3_PATTERN}, 'behavior': 'Isolated', 'invert': False},
                {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': False},
            ],
        },
        'post_processor': {
            'type': 'Sequence',
            'processors': [
                {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True},
                bos_template('<|begin_of_text|>', base),
            ],
        },
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
        'model': {
            'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None,
            'end_of_word_suffix': None, 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': True,
            'vocab': vocab, 'merges': merges,
        },
    }
    folder = out / 'tiny-llama3-bpe'
    write_json(folder, 'tokenizer.json', tokenizer)
    write_json(folder, 'tokenizer_config.json', {
        'added_tokens_decoder': decoder_config(tokens),
        'bos_token': '<|begin_of_text|>',
        'clean_up_tokenization_spaces': True,
        'eos_token': '<|end_of_text|>',
        'model_input_names': ['input_ids', 'attention_mask'],
        'model_max_length': 131072,
        'tokenizer_class': 'PreTrainedTokenizerFast',
    })
    write_json(folder, 'special_tokens_map.json', special_map(bos_token='<|begin_of_text|>', eos_token='<|end_of_text|>'))


def corpus_text() -> str:
    """The repository's Markdown, then its TypeScript, at CORPUS_COMMIT, cut to CORPUS_CHARS."""
    names = subprocess.run(['git', '-C', str(REPO), 'ls-tree', '-r', '--name-only', CORPUS_COMMIT],
                           check=True, capture_output=True, text=True).stdout.split('\n')
    md = sorted(n for n in names if n.endswith('.md'))
    ts = sorted(n for n in names if n.endswith('.ts') and n.startswith(('src/', 'webview/')))
    parts = []
    for name in md + ts:
        parts.append(subprocess.run(['git', '-C', str(REPO), 'show', f'{CORPUS_COMMIT}:{name}'],
                                    check=True, capture_output=True, text=True).stdout)
    return '\n'.join(parts)[:CORPUS_CHARS]


def train_sentencepiece(work: Path) -> Path:
    corpus = work / 'corpus.txt'
    corpus.write_text(corpus_text(), encoding='utf-8')
    prefix = work / 'sp'
    # Llama 2's trainer settings where they matter here: BPE, byte fallback, digits split, ids 0-2 = unk/bos/eos.
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(prefix), model_type='bpe', vocab_size=2000, byte_fallback=True,
        character_coverage=0.9995, split_digits=True, allow_whitespace_only_pieces=True, remove_extra_whitespaces=False,
        normalization_rule_name='identity', max_sentence_length=1 << 16, num_threads=1, unk_id=0, bos_id=1, eos_id=2,
        pad_id=-1, train_extremely_large_corpus=False, minloglevel=2,
    )
    return prefix.with_suffix('.model')


def generate_merges(vocab: dict[str, int], scores: dict[str, float]) -> list[tuple[str, str]]:
    """transformers' generate_merges (convert_slow_tokenizer.py): every split of a piece into two pieces, by score."""
    merges = []
    for merge, score in scores.items():
        local = [(merge[:i], merge[i:], score) for i in range(1, len(merge)) if merge[:i] in vocab and merge[i:] in vocab]
        merges.extend(sorted(local, key=lambda x: (vocab[x[0]], vocab[x[1]])))
    merges.sort(key=lambda m: (m[2], len(m[0]), len(m[1])), reverse=True)
    return [(m[0], m[1]) for m in merges]


# Texts whose SentencePiece ids are written next to the tokenizer, for a test that the conversion matches it.
REFERENCE_TEXTS = [
    'Hello world', '  leading spaces and  double', 'naïve café 😀 emoji 𝔘 ZWJ 👩\u200d👩\u200d👧',
    'const x = 12345;\n\tif (a) {}\r\n', '日本語のテキスト、한국어', 'e\u0301 combining, Straße ﬁne ΟΔΟΣ',
    'tabs\t\tand\nnewlines\n\n end ', 'README.md: `npm test` runs every tier.',
]


def build_sp_bpe(out: Path) -> None:
    folder = out / 'tiny-sp-bpe'
    with tempfile.TemporaryDirectory() as tmp:
        model_file = train_sentencepiece(Path(tmp))
        model_bytes = model_file.read_bytes()
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model_bytes)
    folder.mkdir(parents=True, exist_ok=True)
    # Llama 2 / Mistral repositories ship the SentencePiece model beside tokenizer.json.
    (folder / 'tokenizer.model').write_bytes(model_bytes)
    sp = spm.SentencePieceProcessor(model_proto=model_bytes)
    write_json(folder, 'sentencepiece_reference.json', [{'text': t, 'ids': [1, *sp.encode(t)]} for t in REFERENCE_TEXTS])
    # LlamaConverter.vocab: the three specials with score 0, then the model's pieces in id order.
    vocab_scores = [('<unk>', 0.0), ('<s>', 0.0), ('</s>', 0.0)] + [(p.piece, p.score) for p in proto.pieces[3:]]
    vocab = {piece: i for i, (piece, _) in enumerate(vocab_scores)}
    merges = generate_merges(vocab, dict(vocab_scores))
    tokens = [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')]
    tokenizer = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': tokens,
        'normalizer': {'type': 'Sequence', 'normalizers': [
            {'type': 'Prepend', 'prepend': '▁'},
            {'type': 'Replace', 'pattern': {'String': ' '}, 'content': '▁'},
        ]},
        'pre_tokenizer': None,
        'post_processor': bos_template('<s>', 1),
        'decoder': {'type': 'Sequence', 'decoders': [
            {'type': 'Replace', 'pattern': {'String': '▁'}, 'content': ' '},
            {'type': 'ByteFallback'},
            {'type': 'Fuse'},
            {'type': 'Strip', 'content': ' ', 'start': 1, 'stop': 0},
        ]},
        'model': {
            'type': 'BPE', 'dropout': None, 'unk_token': '<unk>', 'continuing_subword_prefix': None,
            'end_of_word_suffix': None, 'fuse_unk': True, 'byte_fallback': True, 'ignore_merges': False,
            'vocab': vocab, 'merges': [f'{a} {b}' for a, b in merges],
        },
    }
    write_json(folder, 'tokenizer.json', tokenizer)
    write_json(folder, 'tokenizer_config.json', {
        'add_bos_token': True,
        'add_eos_token': False,
        'added_tokens_decoder': decoder_config(tokens),
        'bos_token': '<s>',
        'clean_up_tokenization_spaces': False,
        'eos_token': '</s>',
        'legacy': True,
        'model_max_length': 4096,
        'pad_token': None,
        'sp_model_kwargs': {},
        'tokenizer_class': 'LlamaTokenizer',
        'unk_token': '<unk>',
    })
    write_json(folder, 'special_tokens_map.json', special_map(bos_token='<s>', eos_token='</s>', unk_token='<unk>'))


def build_folders(doc: str, builders: dict[str, Callable[[Path], None]]) -> None:
    """The command line the tokenizer builders share: --out (default test/fixtures/tokenizers), then each builder,
    named by the folder it writes there."""
    parser = argparse.ArgumentParser(description=doc.split('\n')[0])
    parser.add_argument('--out', default=str(REPO / 'test' / 'fixtures' / 'tokenizers'))
    out = Path(parser.parse_args().out)
    os.environ.setdefault('OMP_NUM_THREADS', '2')
    for build in builders.values():
        build(out)
    print('wrote ' + ', '.join(str(out / name) for name in builders))


def main() -> None:
    build_folders(__doc__, {'tiny-llama3-bpe': build_llama3, 'tiny-sp-bpe': build_sp_bpe})


if __name__ == '__main__':
    main()
