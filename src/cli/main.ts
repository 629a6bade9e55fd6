#!/usr/bin/env node
// `attention-lens inspect`: the inference core without VS Code, for scripts, CI of research code and reports;
// `attention-lens tokenize`: several tokenizers on one text (tokenizeCommand.ts); `attention-lens validate`: run files
// (validateCommand.ts).
// Prints one JSON document on stdout; errors are one line on stderr and a non-zero exit, never a stack trace.
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nestedLayer, round6 } from '../core/engine/attentionLayout';
import { detectProviderEnvironment } from '../core/engine/providerEnvironment';
import { DEFAULT_HUB_URL } from '../core/hub/hubModel';
import { variantFile } from '../core/hub/onnxVariants';
import { EMBEDDED_MODELS, resolveModel } from '../core/model/resolveModel';
import type { AttentionMaps, InspectResult, Prediction, PredictionTask, Token } from '../core/types';
import { predictionsAt, type RunSummary } from '../protocol';
import { toRunSummary } from '../session/runSummary';
import { compareTokenizers, comparisonDocument } from '../core/tokenize/compareTokenizers';
import { loadTextTokenizer } from '../core/tokenize/textTokenizer';
import { InferenceEngine } from '../core/worker/inferenceEngine';
import { ablatedHeads, withAblation } from './ablationJson';
import type { LoadedReply, WorkerInspectResult } from '../core/worker/workerRequests';
import { fetchRollouts, nestedRollout, type SetRollout } from '../core/analysis/rolloutSets';
import { kvHeadOf } from '../protocol/headSharing';
import { parseArgs, UsageError, USAGE, type CliOptions } from './args';
import { parseTokenizeArgs, type TokenizeOptions } from './tokenizeArgs';
import { queryKeyJson, type QueryKeyArg } from './queryKeyArg';
import { validateCommand } from './validateCommand';
import { parseSurprisalArgs, SURPRISAL_USAGE, type SurprisalOptions } from './surprisalArgs';
import { runScan } from '../core/surprisal/scanDriver';
import { surprisalDocument } from '../core/surprisal/surprisalDocument';
import { tokenScores, type TokenScore } from '../core/surprisal/windowScores';

function embeddedDir(): string {
  // dist/cli.js → ../models; out/src/cli/main.js → ../../../models (out/src/models is the host's compiled code,
  // so a candidate counts only when it holds an embedded model).
  const candidates = [path.join(__dirname, '..', 'models'), path.join(__dirname, '..', '..', '..', 'models')];
  const embedded = EMBEDDED_MODELS['default-masked'].folder;
  return candidates.find((c) => existsSync(path.join(c, embedded))) ?? candidates[0];
}

function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'attention-lens', 'models');
}

async function readInput(options: Pick<CliOptions, 'text' | 'file'>): Promise<string> {
  if (options.text !== undefined) return options.text;
  if (options.file !== undefined) return fs.readFile(options.file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The JSON document's names for a task, as scripts have read them since the first version: `model.kind` and the
 * list `predictions.masks` (fill-mask) or `predictions.next` (next-token). An encoder–decoder run, the one kind of
 * run with a target, has `model.kind` `seq2seq`; its predictions over the target stay next-token (`causal`).
 */
const SCRIPT_NAMES: Record<PredictionTask, { kind: string; list: string }> = {
  'fill-mask': { kind: 'masked', list: 'masks' },
  'next-token': { kind: 'causal', list: 'next' },
};

/** The ranked positions, read through predictionsAt; a next-token run's with the probability of the token after each. */
function rankedEntries(summary: RunSummary) {
  return summary.predictions.ranked.map(({ position }) => {
    const at = predictionsAt(summary, position)!;
    const top = at.fills ?? at.next?.top ?? [];
    return {
      position,
      ...(at.next ? { actualProbability: at.next.actual?.probability ?? null } : {}),
      top: top.map((p) => ({ ...p, probability: round6(p.probability) })),
    };
  });
}

/** A token as the JSON document lists it. */
function tokenJson(t: Token) {
  return { index: t.index, id: t.id, piece: t.piece, text: t.display, start: t.start, end: t.end, special: t.special };
}

/**
 * The JSON document: plain arrays, attention rounded to 6 decimals. `attentionSets` describes each set; a run
 * with one set keeps its maps where scripts read them, in `attention[layer][head][q][k]`, and a run with several
 * (an encoder–decoder's) has them by set name, `attention.cross[layer][head][target q][source k]`. An
 * encoder–decoder run lists its target's tokens in `targetTokens` and its predictions are over them.
 */
export function toJson(result: Omit<InspectResult, 'attention'>, attention: AttentionMaps[] | undefined, rollout?: SetRollout[]): unknown {
  const { model, device, tokens, target, truncation, predictions, timings } = result;
  const names = SCRIPT_NAMES[predictions.task];
  const modelKind = target ? 'seq2seq' : names.kind;
  const nested = (set: AttentionMaps) => set.perLayer.map((_, l) => nestedLayer(set, l));
  const single = attention?.length === 1;
  const sets = attention?.map((set) => ({
    name: set.set,
    queries: set.queries,
    keys: set.keys,
    layers: set.layers,
    heads: set.heads,
    causal: set.causal,
  }));
  return {
    model: {
      id: model.id,
      source: model.source,
      kind: modelKind,
      family: model.family,
      task: model.task,
      architecture: model.architecture,
      modelType: model.modelType,
      tokenizer: model.tokenizerKind,
      layers: model.layers,
      heads: model.heads,
      hiddenSize: model.hiddenSize,
      vocabSize: model.vocabSize,
      maxPositions: model.maxPositions,
      ...(model.slidingWindow ? { slidingWindow: model.slidingWindow } : {}),
      maskToken: model.maskToken,
      onnxFile: model.onnxFile,
      attention: model.attention,
    },
    device,
    ...(result.pair ? { pair: result.pair } : {}),
    tokens: tokens.map(tokenJson),
    ...(target ? { targetTokens: target.tokens.map(tokenJson), target: { text: target.text, generated: target.generated } } : {}),
    truncation: truncation ?? null,
    predictions: { kind: names.kind, task: predictions.task, [names.list]: rankedEntries(toRunSummary(0, result)) },
    attention: single ? nested(attention[0]) : attention && Object.fromEntries(attention.map((set) => [set.set, nested(set)])),
    attentionSets: sets,
    ...(rollout ? { rollout: rolloutJson(rollout, model.attentionSets.length === 1) } : {}),
    // [layer][position]: each layer's top-k there, read through the model's final norm and head.
    ...(result.logitLens ? { logitLens: result.logitLens.layers.map((row) => row.map((cell) => cell.top.map(roundedProbability))) } : {}),
    timings,
  };
}

/**
 * `--rollout`: R_l of each layer rounded to 6 decimals, `rollout[layer][q][k]` for a run with one attention set and
 * by set name for an encoder–decoder run (`rollout.encoder`, `rollout.decoder`; cross-attention has none).
 */
function rolloutJson(rollout: SetRollout[], single: boolean): unknown {
  return single ? nestedRollout(rollout[0]) : Object.fromEntries(rollout.map((set) => [set.set, nestedRollout(set)]));
}

async function runRollouts(engine: InferenceEngine, run: number, result: WorkerInspectResult): Promise<SetRollout[]> {
  const why = result.model.attention.available ? 'the run kept none' : result.model.attention.reason;
  if (!result.attention) throw new Error(`--rollout needs attention maps: ${why}`);
  return fetchRollouts(engine, run, result.attention, result.model.attentionSets);
}
const roundedProbability = (p: Prediction) => ({ ...p, probability: round6(p.probability) });

/** `--query-key`: the reading of the run's first attention set (an encoder–decoder's encoder self-attention). */
async function queryKeyOf(engine: InferenceEngine, run: number, result: WorkerInspectResult, at: QueryKeyArg): Promise<unknown> {
  const set = result.attention?.[0];
  if (!set) throw new Error(result.model.attention.available ? 'this run kept no attention' : result.model.attention.reason);
  const reading = await engine.request('queryKey', { run, set: set.set, layer: at.layer, head: at.head, query: at.token });
  return queryKeyJson(reading, reading.kvHead ?? kvHeadOf(result.model, at.head));
}

function locations(options: { cache?: string; hub?: string }) {
  return { embeddedDir: embeddedDir(), cacheDir: options.cache ?? defaultCacheDir(), hubUrl: options.hub ?? DEFAULT_HUB_URL };
}

const progress = (p: { file: string; loaded: number; total?: number }) =>
  process.stderr.write(`\rdownloading ${p.file}: ${p.loaded}${p.total ? ` / ${p.total}` : ''} bytes`);

async function tokenize(options: TokenizeOptions): Promise<number> {
  try {
    const text = await readInput(options);
    const named = [];
    for (const name of options.tokenizers) {
      const { folder } = await resolveModel(name, locations(options), { onProgress: progress });
      named.push({ name, tokenizer: await loadTextTokenizer(folder) });
    }
    process.stdout.write(JSON.stringify(comparisonDocument(compareTokenizers(text, named))) + '\n');
    return 0;
  } catch (error) {
    process.stderr.write(`attention-lens: ${(error as Error).message.split('\n')[0]}\n`);
    return 1;
  }
}

type ModelOptions = Pick<CliOptions, 'model' | 'text' | 'file' | 'hub' | 'cache' | 'onnx' | 'device'>;

/**
 * Reads the text, loads the model in a worker, and prints the JSON document `work` makes of them; errors are one
 * line on stderr and exit 1.
 */
async function withModel(options: ModelOptions, work: (engine: InferenceEngine, text: string, loaded: LoadedReply) => Promise<unknown>) {
  const engine = new InferenceEngine({ environment: detectProviderEnvironment() });
  try {
    const text = await readInput(options);
    const resolved = await resolveModel(options.model, locations(options), { onnxVariant: options.onnx, onProgress: progress });
    const loaded = await engine.load({
      ...resolved,
      onnxFile: options.onnx ? variantFile(options.onnx) : resolved.onnxFile,
      device: options.device,
    });
    process.stdout.write(JSON.stringify(await work(engine, text, loaded)) + '\n');
    return 0;
  } catch (error) {
    process.stderr.write(`attention-lens: ${(error as Error).message.split('\n')[0]}\n`);
    return 1;
  } finally {
    await engine.dispose();
  }
}

/** `attention-lens surprisal`: every token of the text scored by a causal LM, window by window (src/core/surprisal). */
function surprisal(options: SurprisalOptions): Promise<number> {
  return withModel(options, async (engine, text, { info }) => {
    const scored: TokenScore[] = [];
    const request = { key: 'cli', text, window: options.window, stride: options.stride, topK: options.topK, fresh: true };
    // Every token's top-k comes with its window (the editor asks for a hovered token's alone).
    const { plan } = await runScan(engine, request, { onWindow: (_, scores) => scored.push(...tokenScores(scores)) });
    return surprisalDocument(info, plan, scored);
  });
}

async function main(): Promise<number> {
  let options: CliOptions;
  try {
    if (process.argv[2] === 'tokenize') return await tokenize(parseTokenizeArgs(process.argv.slice(2)));
    if (process.argv[2] === 'validate') return await validateCommand(process.argv.slice(3));
    if (process.argv[2] === 'surprisal') return await surprisal(parseSurprisalArgs(process.argv.slice(2)));
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`attention-lens: ${error.message}\n${USAGE}\n${SURPRISAL_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  return withModel(options, async (engine, text) => {
    const run = engine.nextRunId();
    const { attention, topK, maxTokens, target, maxNewTokens, pair } = options;
    const inspectOptions = {
      // The rollout is computed from the maps the run keeps; the query·key reading from the run's tensors.
      attention: attention || options.rollout === true || options.queryKey !== undefined,
      topK,
      maxTokens,
      pair,
      ...(target !== undefined ? { target } : {}),
      ...(maxNewTokens ? { maxNewTokens } : {}),
      ...(options.logitLens ? { logitLens: 'all' as const } : {}),
    };
    const result = await engine.request('inspect', { run, text, options: inspectOptions });
    const maps = result.attention && attention ? await engine.request('maps', { run }) : undefined;
    const rollout = options.rollout ? await runRollouts(engine, run, result) : undefined;
    const document = toJson(result, maps, rollout) as Record<string, unknown> & { predictions: Record<string, unknown> };
    if (options.queryKey) document.queryKey = await queryKeyOf(engine, run, result, options.queryKey);
    if (options.ablate === undefined) return document;
    const spec = { heads: ablatedHeads(options.ablate, result.model), mode: options.ablateMode };
    const ablation = await engine.request('ablate', { run, spec, topK });
    return withAblation(document, SCRIPT_NAMES[result.predictions.task].list, topK, ablation);
  });
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
