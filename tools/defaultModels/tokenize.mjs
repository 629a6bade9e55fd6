// Tokenizes the corpus (train/test JSON lines from buildCorpus.py) with a Hugging Face tokenizer.json, for the
// Python trainer, which has no tokenizers package on this machine.
//
//   node tools/defaultModels/tokenize.mjs --tokenizer DIR --name bert|gpt2 --corpus .cache/corpus
//
// Writes CORPUS/NAME-SPLIT.u16 (token ids, little-endian uint16: both vocabularies are < 65,536) and
// CORPUS/NAME-SPLIT.src (uint8: index of each token's source in sources.json). Documents are separated by one
// token, BERT's [SEP] or GPT-2's <|endoftext|>, no [CLS]: the trainer adds the special tokens of each window.
import { readFileSync, writeFileSync, createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Tokenizer } from '@huggingface/tokenizers';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const dir = args.tokenizer;
const tok = new Tokenizer(
  JSON.parse(readFileSync(`${dir}/tokenizer.json`, 'utf8')),
  JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, 'utf8')),
);
const separator = args.name === 'bert' ? '[SEP]' : '<|endoftext|>';
const sepId = tok.token_to_id(separator);
if (sepId === undefined) throw new Error(`no ${separator} in ${dir}`);
const sources = JSON.parse(readFileSync(`${args.corpus}/sources.json`, 'utf8')).sources;

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

async function tokenizeSplit(split) {
  const ids = [];
  const src = [];
  let docs = 0;
  const t0 = Date.now();
  const lines = createInterface({ input: createReadStream(`${args.corpus}/${split}.jsonl`), crlfDelay: Infinity });
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
    if (++docs % 200 === 0) console.log(`${args.name} ${split}: ${docs} docs, ${ids.length} tokens, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  writeFileSync(`${args.corpus}/${args.name}-${split}.u16`, Buffer.from(Uint16Array.from(ids).buffer));
  writeFileSync(`${args.corpus}/${args.name}-${split}.src`, Buffer.from(Uint8Array.from(src).buffer));
  console.log(`${args.name} ${split}: ${docs} docs, ${ids.length} tokens in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

await tokenizeSplit('test');
await tokenizeSplit('train');
