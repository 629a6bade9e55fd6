// A generator of VALID result payloads for development and the render benchmark, until recorded payloads
// from the test models exist: tokens from a real tokenizer file (test/fixtures/tokenizers/) when present,
// attention rows that sum to 1 (causal: exactly 0 above the diagonal) with recognisable head patterns
// (previous token, self, first token, local window, broad, delimiter), and top-k predictions derived from a logits
// row per position (payloadLogits.ts), which the stub host also sends when the sampling controls ask.
//   node out/test/webview/makePayload.js --out DIR [--name N] [--kind causal|masked] [--tokens 512]
//        [--layers 12] [--heads 12] [--side N]
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tokenizer as TokenizerClass } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import type { PredictionView, RunSummary, TokenView } from '../../src/protocol';
import { overviewSide } from '../../src/core/engine/overview';
import { downsample, savePayload, type Payload } from './payload';
import { logitsRow, softmax, topOf, type LogitsVocabulary } from './payloadLogits';
import { repoRoot } from './paths';

// The package's typings read as ESM under node16 resolution while it ships CommonJS for require: take the
// value by require and only the type by import (as src/core/tokenize/hfTokenizers.ts does).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tokenizer } = require('@huggingface/tokenizers') as { Tokenizer: typeof TokenizerClass };

export interface PayloadOptions {
  name: string;
  kind: 'masked' | 'causal';
  tokens: number;
  layers: number;
  heads: number;
  /** The overview's side; by default the host's for this model and length. */
  side?: number;
  runId?: number;
  seed?: number;
  /** Where the model came from (default 'local'; 'embedded' makes the panel show its toy-model notice). */
  source?: 'embedded' | 'local' | 'hub';
}

const TEXT =
  'The quick brown fox jumps over the lazy dog near the river bank. Attention lets every token look at the others; ' +
  'some heads follow the previous word, some watch the first token, and a few gather punctuation. Unbelievably, ' +
  'tokenization splits rare words into pieces 🙂 while common ones stay whole. ';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** GPT-2's byte ↔ printable-character map, inverted: piece characters back to bytes. */
function byteDecoder(): Map<string, number> {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  return new Map(bs.map((b, i) => [String.fromCharCode(cs[i]), b]));
}

interface Tokenized {
  text: string;
  tokens: TokenView[];
  vocab: LogitsVocabulary;
  tokenizerKind: string;
  maskToken?: string;
}

function tokenize(kind: 'masked' | 'causal', want: number): Tokenized {
  const folder = join(repoRoot(), 'test/fixtures/tokenizers', kind === 'causal' ? 'gpt2' : 'bert-base-uncased');
  let text = '';
  const base = kind === 'masked' ? TEXT.replace('lazy', '[MASK]').replace('pieces', '[MASK]') : TEXT;
  while (text.length < want * 6) text += base;
  if (!existsSync(join(folder, 'tokenizer.json'))) {
    // No tokenizer file: whitespace pieces, still a valid payload.
    const words = text.split(/(?<= )/).slice(0, want);
    let at = 0;
    const tokens = words.map((w, index) => {
      const t: TokenView = {
        index,
        id: index + 1000,
        piece: w,
        display: w.trim(),
        start: at,
        end: at + w.trimEnd().length,
        special: false,
        continuation: false,
        partialChar: false,
      };
      at += w.length;
      return t;
    });
    const vocab = {
      size: 1000 + words.length,
      likely: words.map((_, i) => i + 1000),
      label: (id: number) => words[id - 1000]?.trim() ?? `id ${id}`,
    };
    return { text: text.slice(0, at), tokens, vocab, tokenizerKind: 'whitespace' };
  }
  const json = JSON.parse(readFileSync(join(folder, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
  const cfgFile = join(folder, 'tokenizer_config.json');
  const cfg = existsSync(cfgFile) ? (JSON.parse(readFileSync(cfgFile, 'utf8')) as object) : {};
  const enc = new Tokenizer(json, cfg).encode(text);
  const decoder = byteDecoder();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const lower = kind === 'masked' ? text.toLowerCase() : text;
  const tokens: TokenView[] = [];
  let cursor = 0;
  let prevText = '';
  const count = Math.min(want, enc.ids.length);
  for (let i = 0; i < count; i++) {
    const piece = enc.tokens[i];
    const special = /^\[(CLS|SEP|PAD|MASK|UNK)\]$/.test(piece) || piece === '<|endoftext|>';
    let surface = piece;
    let partialChar = false;
    let continuation = false;
    if (kind === 'causal') {
      const bytes = Uint8Array.from([...piece].map((c) => decoder.get(c) ?? 63));
      try {
        surface = utf8.decode(bytes);
      } catch {
        partialChar = true;
        surface = new TextDecoder().decode(bytes);
      }
      continuation = i > 0 && !piece.startsWith('Ġ') && /^[\p{L}\p{N}]/u.test(surface) && /[\p{L}\p{N}]$/u.test(prevText);
    } else if (piece.startsWith('##')) {
      continuation = true;
      surface = piece.slice(2);
    }
    let start = cursor;
    let end = cursor;
    const needle = (kind === 'masked' && !special ? surface.toLowerCase() : surface).trim();
    const found = needle && piece !== '[CLS]' && piece !== '[SEP]' ? lower.indexOf(needle, cursor) : -1;
    if (found >= 0 && found - cursor < 40) {
      start = found;
      end = found + needle.length;
      cursor = end;
    }
    const display = special ? piece : surface.replace(/^ /, '␣');
    tokens.push({ index: i, id: enc.ids[i], piece, display, start, end, special: special && piece !== '[UNK]', continuation, partialChar });
    prevText = surface;
  }
  const pieces = new Map(Object.entries(json.model.vocab).map(([piece, id]) => [id, piece]));
  const vocab: LogitsVocabulary = {
    size: Math.max(...pieces.keys()) + 1,
    likely: [...pieces].filter(([, p]) => !/^\[|^</.test(p)).map(([id]) => id),
    label: (id) => pieces.get(id)?.replace(/^Ġ/, '␣') ?? `id ${id}`,
  };
  return {
    text,
    tokens,
    vocab,
    tokenizerKind: kind === 'causal' ? 'byte-bpe' : 'wordpiece',
    maskToken: kind === 'masked' ? '[MASK]' : undefined,
  };
}

/** One layer [heads, T, T]: each head a different pattern, softmax rows (causal rows stop at the diagonal). */
export function generateLayer(o: PayloadOptions, tokens: TokenView[], layer: number): Float32Array {
  const n = tokens.length;
  const out = new Float32Array(o.heads * n * n);
  const rand = mulberry32((o.seed ?? 7) * 1000 + layer);
  const scores = new Float64Array(n);
  const delimiter = tokens.map((t) => t.special || /^[.,;!?]$/.test(t.display));
  for (let h = 0; h < o.heads; h++) {
    const pattern = (layer * o.heads + h) % 6;
    const sharp = 2 + 4 * rand();
    for (let q = 0; q < n; q++) {
      const last = o.kind === 'causal' ? q : n - 1;
      let max = -Infinity;
      for (let k = 0; k <= last; k++) {
        let s = rand() * 0.8;
        if (pattern === 0) s += k === q - 1 ? sharp : 0;
        else if (pattern === 1) s += k === q ? sharp : 0;
        else if (pattern === 2) s += k === 0 ? sharp : 0;
        else if (pattern === 3) s += sharp * Math.exp(-((k - q) ** 2) / 8);
        else if (pattern === 5) s += delimiter[k] ? sharp * 0.8 : 0;
        scores[k] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let k = 0; k <= last; k++) sum += scores[k] = Math.exp(scores[k] - max);
      const row = h * n * n + q * n;
      for (let k = 0; k <= last; k++) out[row + k] = scores[k] / sum;
    }
  }
  return out;
}

export function makePayload(o: PayloadOptions): Payload {
  const tk = tokenize(o.kind, o.tokens);
  const tokens = tk.tokens;
  const n = tokens.length;
  // Each position's logits come from its own generator, so one row can be made again when it is asked for.
  const rowAt = (p: number) => logitsRow(mulberry32((o.seed ?? 7) * 7919 + p), tk.vocab, tokens[p + 1]?.id);
  const keptUntil = tokens.reduce((m, t) => Math.max(m, t.end), 0);
  let predictions: RunSummary['predictions'];
  if (o.kind === 'causal') {
    const next: PredictionView[][] = [];
    const actual: (number | null)[] = [null];
    for (let i = 0; i < n; i++) {
      const probabilities = softmax(rowAt(i));
      next.push(topOf(probabilities, 10, tk.vocab));
      if (i + 1 < n) actual.push(probabilities[tokens[i + 1].id]);
    }
    predictions = { task: 'next-token', ranked: next.map((top, position) => ({ position, top })), actual };
  } else {
    const masks = tokens
      .filter((t) => t.piece === '[MASK]')
      .map((t) => ({ position: t.index, top: topOf(softmax(rowAt(t.index)), 10, tk.vocab) }));
    predictions = { task: 'fill-mask', ranked: masks };
  }
  const masked = o.kind === 'masked';
  const summary: RunSummary = {
    runId: o.runId ?? 1,
    text: tk.text.slice(0, Math.max(keptUntil, 1)),
    model: {
      id: o.kind === 'causal' ? 'synthetic/gpt2-shaped' : 'synthetic/bert-shaped',
      source: o.source ?? 'local',
      family: masked ? 'bert' : 'gpt2',
      familyLabel: masked ? 'masked LM' : 'causal LM',
      task: predictions.task,
      architecture: o.kind === 'causal' ? 'GPT2LMHeadModel' : 'BertForMaskedLM',
      tokenizerKind: tk.tokenizerKind,
      layers: o.layers,
      heads: o.heads,
      maxPositions: o.kind === 'causal' ? 1024 : 512,
      vocabSize: tk.vocab.size,
      maskToken: tk.maskToken,
    },
    device: { provider: 'cpu', label: 'CPU', fallbackReason: o.kind === 'causal' ? 'CUDA is not installed' : undefined },
    tokens,
    truncation:
      tk.text.length > keptUntil + 1
        ? {
            totalTokens: n + 100,
            totalExact: true,
            keptTokens: n,
            keptUntil,
            message: `Only the first ${n} tokens were run (the text continues after character ${keptUntil}).`,
          }
        : undefined,
    predictions,
    capabilities: { maskPosition: masked, unmasked: masked, logits: true },
    attentionUnavailable: null,
    attentionSets: [
      {
        name: 'self',
        label: 'Self-attention',
        queries: 'input',
        keys: 'input',
        layers: o.layers,
        heads: o.heads,
        causal: o.kind === 'causal',
      },
    ],
    timings: { loadMs: 230, tokenizeMs: 3, runMs: 120, totalMs: 360 },
  };
  const cache = new Map<number, Float32Array>();
  const layer = (l: number): Float32Array => {
    let d = cache.get(l);
    if (!d) {
      d = generateLayer(o, tokens, l);
      if (n * n * o.heads <= 4_000_000) cache.set(l, d);
    }
    return d;
  };
  const side = Math.min(o.side ?? overviewSide(o.layers, o.heads), n);
  const shape = { layers: o.layers, heads: o.heads, queries: n, keys: n };
  const overview = { runId: summary.runId, set: 'self', rows: side, cols: side, data: downsample(shape, side, side, layer) };
  const logitsAt = (p: number) => {
    const logits = rowAt(p);
    return { logits, top: topOf(softmax(logits), 100, tk.vocab) };
  };
  return { name: o.name, summary, overviews: [overview], layer, logitsAt };
}

function main(argv: string[]): void {
  const arg = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
  };
  const out = arg('out', join(repoRoot(), 'test-results/payloads'));
  const kind = arg('kind', 'causal') === 'masked' ? 'masked' : 'causal';
  const p = makePayload({
    name: arg('name', `synthetic-${kind}`),
    kind,
    tokens: Number(arg('tokens', '512')),
    layers: Number(arg('layers', '12')),
    heads: Number(arg('heads', '12')),
    side: argv.includes('--side') ? Number(arg('side', '64')) : undefined,
  });
  mkdirSync(out, { recursive: true });
  savePayload(out, p);
  console.log(`wrote ${p.name}: ${p.summary.tokens.length} tokens, ${p.summary.model.layers}×${p.summary.model.heads} heads → ${out}`);
}

if (require.main === module) main(process.argv.slice(2));
