// The benchmark's decoder models on their own terms, without the core: their shape from config.json (Qwen2's
// keys or GPT-2's), the feeds of a first pass (empty pasts sized by num_key_value_heads), a plain onnxruntime
// session on one ONNX file, and the check of a file's logits against the numpy reference the Python tool wrote.
// The core may refuse a model; the baseline and the check must not depend on it.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { sessionOptions } from '../../src/core/engine/modelSession';
import type { ShapeForFlops } from './benchMath';
import type { BenchDevice } from './options';

export interface DecoderShape extends ShapeForFlops {
  heads: number;
  kvHeads: number;
  headDim: number;
  maxPositions: number;
}

/** A config's number under the first of `keys` present (Qwen2's names first, then GPT-2's). */
function pick(config: Record<string, unknown>, keys: string[], fallback?: number): number {
  for (const key of keys) if (typeof config[key] === 'number') return config[key];
  if (fallback !== undefined) return fallback;
  throw new Error(`config.json has none of ${keys.join(', ')}`);
}

export function readDecoderShape(folder: string): DecoderShape {
  const c = JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
  const hidden = pick(c, ['hidden_size', 'n_embd']);
  const heads = pick(c, ['num_attention_heads', 'n_head']);
  return {
    layers: pick(c, ['num_hidden_layers', 'n_layer']),
    hidden,
    intermediate: pick(c, ['intermediate_size', 'n_inner'], 4 * hidden),
    vocab: pick(c, ['vocab_size']),
    headTransform: false,
    heads,
    kvHeads: pick(c, ['num_key_value_heads'], heads),
    headDim: pick(c, ['head_dim'], hidden / heads),
    maxPositions: pick(c, ['max_position_embeddings', 'n_positions']),
  };
}

const int64 = (values: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);

/** A first pass over one row of ids, for whichever of optimum's decoder inputs the session declares. */
export function decoderFeeds(session: ort.InferenceSession, shape: DecoderShape, ids: number[]): Record<string, ort.Tensor> {
  const n = ids.length;
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    if (name === 'input_ids') feeds[name] = int64(ids, [1, n]);
    else if (name === 'attention_mask') feeds[name] = int64(new Array<number>(n).fill(1), [1, n]);
    else if (name === 'position_ids')
      feeds[name] = int64(
        ids.map((_, i) => i),
        [1, n],
      );
    else if (name.startsWith('past_key_values.'))
      feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, shape.kvHeads, 0, shape.headDim]);
    else throw new Error(`the decoder baseline cannot feed the input ${name}`);
  }
  return feeds;
}

/** A plain session on one file, with the core's session options: the floor inspect is held to. */
export class PlainDecoder {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly shape: DecoderShape,
  ) {}

  static async create(onnxPath: string, shape: DecoderShape, device: BenchDevice): Promise<PlainDecoder> {
    return new PlainDecoder(await ort.InferenceSession.create(onnxPath, sessionOptions(device)), shape);
  }

  feeds(ids: number[]): Record<string, ort.Tensor> {
    return decoderFeeds(this.session, this.shape, ids);
  }

  async forward(feeds: Record<string, ort.Tensor>): Promise<ort.Tensor> {
    return (await this.session.run(feeds, ['logits'])).logits;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export interface FileCheck {
  file: string;
  tokens: number;
  /** Largest |onnxruntime − numpy| over the first 32 logits of every position. */
  maxDifference: number;
  /** Positions whose top token is numpy's. */
  argmaxAgree: number;
  ms: number;
}

interface Reference {
  ids: number[];
  variants?: Record<string, { argmax: number[]; head: number[][] }>;
}

/** Runs `file` at the reference's 16 tokens and compares with reference.json (undefined when there is none). */
export async function checkAgainstReference(folder: string, file: string, device: BenchDevice): Promise<FileCheck | undefined> {
  const referencePath = path.join(folder, 'reference.json');
  if (!existsSync(referencePath)) return undefined;
  const reference = JSON.parse(readFileSync(referencePath, 'utf8')) as Reference;
  const expected = reference.variants?.[file];
  if (!expected) return undefined;
  const started = performance.now();
  const plain = await PlainDecoder.create(path.join(folder, file), readDecoderShape(folder), device);
  try {
    const logits = (await plain.forward(plain.feeds(reference.ids))).data as Float32Array;
    const vocab = plain.shape.vocab;
    let maxDifference = 0;
    let argmaxAgree = 0;
    expected.head.forEach((row, p) => {
      row.forEach((value, j) => (maxDifference = Math.max(maxDifference, Math.abs(logits[p * vocab + j] - value))));
      let best = 0;
      for (let j = 1; j < vocab; j++) if (logits[p * vocab + j] > logits[p * vocab + best]) best = j;
      if (best === expected.argmax[p]) argmaxAgree++;
    });
    return { file, tokens: reference.ids.length, maxDifference, argmaxAgree, ms: performance.now() - started };
  } finally {
    await plain.release();
  }
}
