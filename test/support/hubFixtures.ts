// Small generated Hub-layout models for the download tests: JSON text files and ONNX files of a few hundred KB
// whose one weight is deterministic pseudo-random bytes (the downloader reads only which external-data files a
// graph names; integrity is checked by hash).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageWriter } from '../../src/core/onnx/protobuf';

/** Deterministic bytes (sha256 counter mode), so failures reproduce. */
export function pseudoRandomBytes(length: number, seed: string): Buffer {
  const out = Buffer.alloc(length);
  let offset = 0;
  for (let i = 0; offset < length; i++) {
    const block = createHash('sha256').update(`${seed}:${i}`).digest();
    offset += block.copy(out, offset);
  }
  return out;
}

/**
 * A ModelProto (onnx.proto field numbers) of about `length` bytes: one inline uint8 weight of pseudo-random bytes,
 * and one float weight stored in each of `externalFiles` (locations as the graph names them, e.g. "model.onnx_data").
 */
export function fakeOnnx(length: number, seed: string, externalFiles: string[] = []): Buffer {
  const weight = pseudoRandomBytes(Math.max(0, length - 100), seed);
  const graph = new MessageWriter()
    .string(2, 'g')
    .message(5, new MessageWriter().varint(1, weight.length).varint(2, 2).string(8, 'w').bytes(9, weight));
  externalFiles.forEach((location, i) => {
    const entry = (key: string, value: string) => new MessageWriter().string(1, key).string(2, value);
    const tensor = new MessageWriter().varint(1, 4).varint(2, 1).string(8, `external${i}`);
    tensor.message(13, entry('location', location)).message(13, entry('offset', '0')).message(13, entry('length', '16'));
    graph.message(5, tensor.varint(14, 1));
  });
  const model = new MessageWriter().varint(1, 8).message(8, new MessageWriter().varint(2, 17)).message(7, graph);
  return Buffer.from(model.finish());
}

export interface ModelFilesOptions {
  onnxBytes?: number;
  externalDataBytes?: number;
  withSpecialTokensMap?: boolean;
  quantized?: boolean;
}

export function makeModelFiles(seed: string, opts: ModelFilesOptions = {}): Record<string, Buffer> {
  const vocab: Record<string, number> = {};
  for (let i = 0; i < 2000; i++) vocab[`tok${i}`] = i;
  const files: Record<string, Buffer> = {
    'config.json': Buffer.from(JSON.stringify({ model_type: 'bert', architectures: ['BertForMaskedLM'], seed })),
    'tokenizer.json': Buffer.from(JSON.stringify({ version: '1.0', model: { type: 'WordPiece', vocab } })),
    'tokenizer_config.json': Buffer.from(JSON.stringify({ mask_token: '[MASK]', model_max_length: 512 })),
    'onnx/model.onnx': fakeOnnx(opts.onnxBytes ?? 300_000, `${seed}-onnx`, opts.externalDataBytes ? ['model.onnx_data'] : []),
    'README.md': Buffer.from('# test model\n'),
  };
  if (opts.withSpecialTokensMap !== false) files['special_tokens_map.json'] = Buffer.from('{"mask_token":"[MASK]"}');
  if (opts.externalDataBytes) files['onnx/model.onnx_data'] = pseudoRandomBytes(opts.externalDataBytes, `${seed}-data`);
  if (opts.quantized) files['onnx/model_quantized.onnx'] = fakeOnnx(80_000, `${seed}-q`);
  return files;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `al-${prefix}-`));
}

/** Every file under dir, relative, with "/" separators. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return out.sort();
}
