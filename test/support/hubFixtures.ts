// Small generated Hub-layout models for the download tests: JSON text files and a few hundred KB of
// deterministic pseudo-random "ONNX" bytes (the downloader never parses them; integrity is checked by hash).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
    'onnx/model.onnx': pseudoRandomBytes(opts.onnxBytes ?? 300_000, `${seed}-onnx`),
    'README.md': Buffer.from('# test model\n'),
  };
  if (opts.withSpecialTokensMap !== false) files['special_tokens_map.json'] = Buffer.from('{"mask_token":"[MASK]"}');
  if (opts.externalDataBytes) files['onnx/model.onnx_data'] = pseudoRandomBytes(opts.externalDataBytes, `${seed}-data`);
  if (opts.quantized) files['onnx/model_quantized.onnx'] = pseudoRandomBytes(80_000, `${seed}-q`);
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
