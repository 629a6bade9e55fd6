// Figure 4: peak resident memory. Each configuration runs in its own child process (this same bundle started
// with --child-memory), so one configuration's peak cannot hide in another's; the child reports
// its peak RSS after loading the model and running it a few times at the given length.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ModelRunner } from '../../src/core/engine/modelRunner';
import { detectProviderEnvironment } from '../../src/core/engine/providerEnvironment';
import { loadTextTokenizer } from '../../src/core/tokenize/textTokenizer';
import { InferenceEngine } from '../../src/core/worker/inferenceEngine';
import { runChild } from './child';
import { PlainDecoder, readDecoderShape } from './decoderModel';
import type { BenchDevice } from './options';
import { findModels, hostRun, PlainSession, textOfLength } from './workload';

export type MemoryConfig = 'plain' | 'inspect' | 'worker';

/** One configuration of one model: a bench model by key, or a decoder's folder and ONNX file (decoderScenario.ts). */
export type MemorySpec = { config: MemoryConfig; tokens: number; device: BenchDevice; runs: number } & (
  { modelsRoot: string; model: 'bert' | 'gpt2' } | { decoder: { folder: string; file: string } }
);

export const CHILD_FLAG = '--child-memory';

/** Runs inside the child: loads, runs `runs` times keeping the last result (as a host holds the shown run). */
export async function memoryChild(spec: MemorySpec): Promise<number> {
  if ('decoder' in spec) return decoderMemoryChild(spec, spec.decoder);
  const [model] = findModels(spec.modelsRoot, spec.model, false);
  const tokenizer = await loadTextTokenizer(model.folder);
  const text = textOfLength(tokenizer, spec.tokens);
  let kept: unknown;
  if (spec.config === 'plain') {
    const plain = await PlainSession.create(model, spec.device);
    const feeds = plain.feeds(tokenizer.encode(text).map((t) => t.id));
    for (let i = 0; i < spec.runs; i++) kept = await plain.forward(feeds);
  } else {
    const request = { id: model.label, source: 'local' as const, folder: model.folder, device: spec.device };
    const options = { attention: true, topK: 10 };
    if (spec.config === 'inspect') {
      const runner = await ModelRunner.load(request, detectProviderEnvironment());
      for (let i = 0; i < spec.runs; i++) kept = await runner.inspect(text, options);
    } else {
      const engine = new InferenceEngine({ environment: detectProviderEnvironment() });
      await engine.load(request);
      for (let i = 0; i < spec.runs; i++) kept = await hostRun(engine, text, options.topK);
      await engine.dispose();
    }
  }
  if (kept === undefined) throw new Error('nothing ran');
  return peakRss();
}

/** The same for a decoder variant: its plain session fetching the logits, or the worker's run and first layer. */
async function decoderMemoryChild(spec: MemorySpec, decoder: { folder: string; file: string }): Promise<number> {
  const tokenizer = await loadTextTokenizer(decoder.folder);
  const text = textOfLength(tokenizer, spec.tokens);
  let kept: unknown;
  if (spec.config === 'plain') {
    const plain = await PlainDecoder.create(path.join(decoder.folder, decoder.file), readDecoderShape(decoder.folder), spec.device);
    const feeds = plain.feeds(tokenizer.encode(text).map((t) => t.id));
    for (let i = 0; i < spec.runs; i++) kept = await plain.forward(feeds);
  } else {
    const engine = new InferenceEngine({ environment: detectProviderEnvironment() });
    await engine.load({ id: decoder.file, source: 'local', folder: decoder.folder, onnxFile: decoder.file, device: spec.device });
    for (let i = 0; i < spec.runs; i++) kept = await hostRun(engine, text, 10);
    await engine.dispose();
  }
  if (kept === undefined) throw new Error('nothing ran');
  return peakRss();
}

/**
 * The process's peak resident set. On Linux getrusage's maxRSS carries over the parent's peak through fork +
 * exec (a child of a 3 GB parent reports ≥ 3 GB), so VmHWM — the high-water mark of this process's own
 * memory map — is read instead; elsewhere maxRSS is all there is.
 */
function peakRss(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Starts one child for `spec` and returns its peak RSS in bytes. */
export async function measureInChild(spec: MemorySpec): Promise<number> {
  const what = `memory child ${spec.config}/${'decoder' in spec ? spec.decoder.file : spec.model}/${spec.tokens}`;
  const stdout = await runChild(CHILD_FLAG, spec, what);
  const match = /maxRSS=(\d+)/.exec(stdout);
  if (!match) throw new Error(`${what} printed no maxRSS: ${stdout.slice(0, 200)}`);
  return Number(match[1]);
}

export interface MemoryRow {
  model: string;
  tokens: number;
  plainBytes: number;
  inspectBytes: number;
  workerBytes: number;
  inspectRatio: number;
  workerRatio: number;
}
