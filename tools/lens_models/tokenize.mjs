#!/usr/bin/env node
// Tokenizes text in Node with @huggingface/tokenizers and the project's tokenizer.json files, for the Python
// tools (this machine has no Python tokenizers package), so they get the ids the inference core produces.
//
//   node tools/lens_models/tokenize.mjs texts TEXTS.json OUT.json
//     TEXTS.json: {family: [text, ...]} (tools/testModels/texts.json); OUT.json: {family: [{text, input_ids}]}
//     with each family's special tokens (BERT's [CLS] … [SEP], RoBERTa's <s> … </s>; GPT-2 adds none; the Llama 3
//     and SentencePiece fixtures a BOS). Families are config model_types. For make_test_models and make_decoder_models.
//   node tools/lens_models/tokenize.mjs corpus --tokenizer DIR --name bert|gpt2 --corpus CORPUS
//     the train/test JSON lines of build_corpus into CORPUS/NAME-SPLIT.u16 (token ids, little-endian uint16:
//     both vocabularies are < 65,536) and CORPUS/NAME-SPLIT.src (uint8: index of each token's source in
//     sources.json). Documents are separated by one token, BERT's [SEP] or GPT-2's <|endoftext|>, no [CLS]: the
//     trainer adds the special tokens of each window.
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The fixture tokenizer folder of each family (lens_models/families.py names the same). */
const FAMILY_TOKENIZERS = {
  bert: 'bert-base-uncased',
  gpt2: 'gpt2',
  llama: 'tiny-llama3-bpe',
  qwen3: 'tiny-llama3-bpe',
  gemma2: 'tiny-sp-bpe',
  gemma3_text: 'tiny-sp-bpe',
  t5: 'tiny-unigram',
  marian: 'tiny-unigram',
  bart: 'tiny-roberta-bpe',
  roberta: 'tiny-roberta-bpe',
  'xlm-roberta': 'tiny-xlmr-unigram',
  distilbert: 'bert-base-uncased',
  albert: 'tiny-albert-unigram',
  electra: 'bert-base-uncased',
  gpt_neox: 'gpt2',
  opt: 'tiny-llama3-bpe',
  'deberta-v2': 'tiny-deberta-v3-sp',
  modernbert: 'tiny-modernbert-bpe',
};
const SEPARATORS = { bert: '[SEP]', gpt2: '<|endoftext|>' };

function loadTokenizer(dir) {
  const read = (f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
  return new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
}

function tokenizeTexts(textsPath, out) {
  const texts = JSON.parse(readFileSync(textsPath, 'utf8'));
  const result = {};
  for (const [family, list] of Object.entries(texts)) {
    const tok = loadTokenizer(path.join(repoRoot, 'test/fixtures/tokenizers', FAMILY_TOKENIZERS[family]));
    result[family] = list.map((text) => ({ text, input_ids: tok.encode(text).ids }));
  }
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
  for (const [family, list] of Object.entries(result)) {
    console.log(`${family}: ${list.map((c) => c.input_ids.length).join(', ')} tokens`);
  }
}

/**
 * Splits text into pieces of at most ~maxChars whose joint tokenization equals the whole text's: cuts before a
 * line that starts with a non-space character, else before a single space followed by a non-space character
 * (the pre-tokenizers of both BERT and GPT-2 start a new word there).
 */
function chunks(text, maxChars = 4000) {
  const out = [];
  let start = 0;
  while (text.length - start > maxChars) {
    const window = text.slice(start, start + maxChars);
    let cut = -1;
    for (const re of [/\n(?=\S)/g, /(?<=\S) (?=\S)/g]) {
      let m;
      while ((m = re.exec(window)) !== null) if (m.index > maxChars / 4) cut = m.index + (re.source.startsWith('\\n') ? 1 : 0);
      if (cut > 0) break;
    }
    if (cut <= 0) cut = maxChars; // one unbroken run (minified data): any cut is as good
    out.push(text.slice(start, start + cut));
    start += cut;
  }
  out.push(text.slice(start));
  return out;
}

async function tokenizeSplit({ tok, name, corpus, sepId, sources }, split) {
  const ids = [];
  const src = [];
  let docs = 0;
  const t0 = Date.now();
  const seconds = () => ((Date.now() - t0) / 1000).toFixed(0);
  const lines = createInterface({ input: createReadStream(`${corpus}/${split}.jsonl`), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const doc = JSON.parse(line);
    const s = sources.indexOf(doc.source);
    for (const piece of chunks(doc.text)) {
      for (const id of tok.encode(piece, { add_special_tokens: false }).ids) {
        ids.push(id);
        src.push(s);
      }
    }
    ids.push(sepId);
    src.push(s);
    if (++docs % 200 === 0) console.log(`${name} ${split}: ${docs} docs, ${ids.length} tokens, ${seconds()} s`);
  }
  writeFileSync(`${corpus}/${name}-${split}.u16`, Buffer.from(Uint16Array.from(ids).buffer));
  writeFileSync(`${corpus}/${name}-${split}.src`, Buffer.from(Uint8Array.from(src).buffer));
  console.log(`${name} ${split}: ${docs} docs, ${ids.length} tokens in ${seconds()} s`);
}

async function tokenizeCorpus(argv) {
  const args = Object.fromEntries(argv.reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
  const tok = loadTokenizer(args.tokenizer);
  const separator = SEPARATORS[args.name];
  const sepId = tok.token_to_id(separator);
  if (sepId === undefined) throw new Error(`no ${separator} in ${args.tokenizer}`);
  const sources = JSON.parse(readFileSync(`${args.corpus}/sources.json`, 'utf8')).sources;
  const job = { tok, name: args.name, corpus: args.corpus, sepId, sources };
  await tokenizeSplit(job, 'test');
  await tokenizeSplit(job, 'train');
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'texts' && rest.length === 2) tokenizeTexts(rest[0], rest[1]);
else if (mode === 'corpus') await tokenizeCorpus(rest);
else {
  console.error('usage: tokenize.mjs texts TEXTS.json OUT.json | tokenize.mjs corpus --tokenizer DIR --name bert|gpt2 --corpus DIR');
  process.exit(2);
}
