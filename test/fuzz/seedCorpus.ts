// The seed corpus: the tiny test models and the embedded ones (their ONNX files, config.json,
// tokenizer_config.json, and tokenizer.json cut to its first ids so that a case loads in milliseconds), and zip
// archives in the layout of the CUDA provider's NuGet package, plain and zip64.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixtureModel, repoRoot } from '../support/paths';
import { pseudoRandomBytes } from '../support/hubFixtures';
import { makeZip } from '../support/zipWriter';

/** Ids a cut tokenizer keeps (added tokens keep theirs, whatever they are). */
const KEPT_IDS = 2000;

export interface ModelSeed {
  name: string;
  folder: string;
  onnx: Uint8Array;
  config: string;
}

/**
 * tokenizer.json with only ids below KEPT_IDS and the added tokens: the same normalizer, pre-tokenizer,
 * post-processor and decoder, loaded in a few ms instead of one second (BPE merges kept where all three parts are).
 */
export function cutTokenizer(text: string): string {
  const tokenizer = JSON.parse(text) as {
    model: { vocab: Record<string, number>; merges?: (string | [string, string])[] };
    added_tokens: { id: number; content: string }[];
  };
  const added = new Set(tokenizer.added_tokens.map((t) => t.content));
  const vocab = Object.fromEntries(Object.entries(tokenizer.model.vocab).filter(([piece, id]) => id < KEPT_IDS || added.has(piece)));
  tokenizer.model.vocab = vocab;
  if (tokenizer.model.merges) {
    tokenizer.model.merges = tokenizer.model.merges.filter((m) => {
      const [a, b] = typeof m === 'string' ? m.split(' ') : m;
      return a in vocab && b in vocab && a + b in vocab;
    });
  }
  return JSON.stringify(tokenizer);
}

function modelSeed(name: string, folder: string): ModelSeed {
  return {
    name,
    folder,
    onnx: fs.readFileSync(path.join(folder, 'onnx', 'model.onnx')),
    config: fs.readFileSync(path.join(folder, 'config.json'), 'utf8'),
  };
}

const folderFiles = new Map<string, Record<string, string>>();

/** The seed's files besides its ONNX file, by name (tokenizer.json cut); read when a case first needs them. */
export function seedFiles(seed: ModelSeed): Record<string, string> {
  let files = folderFiles.get(seed.name);
  if (!files) {
    files = { 'config.json': seed.config };
    for (const file of ['tokenizer_config.json', 'special_tokens_map.json']) {
      const at = path.join(seed.folder, file);
      if (fs.existsSync(at)) files[file] = fs.readFileSync(at, 'utf8');
    }
    files['tokenizer.json'] = cutTokenizer(fs.readFileSync(path.join(seed.folder, 'tokenizer.json'), 'utf8'));
    folderFiles.set(seed.name, files);
  }
  return files;
}

let models: ModelSeed[] | undefined;

export function modelSeeds(): ModelSeed[] {
  models ??= [
    ...['tiny-bert', 'tiny-gpt2', 'tiny-gpt2-past', 'tiny-bert-nosoftmax'].map((name) => modelSeed(name, fixtureModel(name))),
    ...['lens-bert-mini', 'lens-gpt2-mini'].map((name) => modelSeed(name, path.join(repoRoot, 'models', name))),
  ];
  return models;
}

/** Writes `seed` as a model folder at `folder`, with `replace` (file name → bytes) instead of its own files. */
export function writeModelFolder(seed: ModelSeed, folder: string, replace: Record<string, Uint8Array> = {}): number {
  fs.mkdirSync(path.join(folder, 'onnx'), { recursive: true });
  const files: Record<string, Uint8Array | string> = { ...seedFiles(seed), 'onnx/model.onnx': seed.onnx, ...replace };
  let bytes = 0;
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(folder, name), content);
    bytes += typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  }
  return bytes;
}

let zips: Buffer[] | undefined;

/** Archives with the NuGet package's kinds of entries: small deflated XML, stored and deflated libraries. */
export function zipSeeds(): Buffer[] {
  const entries = () => [
    { name: '[Content_Types].xml', data: Buffer.from('<Types><Default Extension="so"/></Types>'), deflate: true },
    { name: 'runtimes/linux-x64/native/libonnxruntime_providers_shared.so', data: pseudoRandomBytes(3000, 'shared'), deflate: true },
    { name: 'runtimes/linux-x64/native/libonnxruntime_providers_cuda.so', data: Buffer.alloc(20_000, 7), deflate: true },
    { name: 'runtimes/linux-x64/native/libonnxruntime.so', data: pseudoRandomBytes(2000, 'ort') },
  ];
  zips ??= [makeZip(entries()), makeZip(entries(), { zip64: true })];
  return zips;
}
