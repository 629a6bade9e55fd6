#!/usr/bin/env node
// Tokenizes tools/testModels/texts.json with the project's tokenizer files (test/fixtures/tokenizers), so the
// PyTorch script, which has no Hugging Face tokenizer, gets the ids the inference core will produce.
//   node tools/testModels/tokenize.mjs <out.json>
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const out = path.resolve(process.argv[2] ?? path.join(repoRoot, '.cache/test-models/tokenized.json'));

function load(name) {
  const dir = path.join(repoRoot, 'test/fixtures/tokenizers', name);
  const read = (f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
  return new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
}

const texts = JSON.parse(readFileSync(path.join(here, 'texts.json'), 'utf8'));
const tokenizers = { bert: load('bert-base-uncased'), gpt2: load('gpt2') };
const result = {};
for (const [family, list] of Object.entries(texts)) {
  // BERT gets [CLS] … [SEP] from its post-processor; GPT-2's adds nothing.
  result[family] = list.map((text) => ({ text, input_ids: tokenizers[family].encode(text).ids }));
}
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
for (const [family, list] of Object.entries(result)) {
  console.log(`${family}: ${list.map((c) => c.input_ids.length).join(', ')} tokens`);
}
