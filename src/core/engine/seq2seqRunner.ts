// Runs an encoder–decoder model (T5, BART, Marian; families/encoderDecoder.ts): the encoder once over the input,
// then the decoder over the whole target at once (teacher forcing), with the target given or written first by
// greedy decoding. A run carries three attention sets, each computed on request from what the run kept (see
// LayerMaps): the encoder's self-attention, the decoder's causal self-attention and the cross-attention of the
// target over the input. The decoder is decoder_model.onnx, or a merged decoder's no-past branch lifted out.
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DecoderFacts, ModelConfig } from '../model/modelConfig';
import { checkExternalData, findOnnxFile } from '../model/modelFolder';
import { locateAttention, type AttentionLocation } from '../onnx/attentionNodes';
import { keptTensors, recipesOf } from '../onnx/attentionRecompute';
import { splitCrossAttention } from '../onnx/crossAttention';
import { lensInChunks, lensPositions, LENS_FETCHES, MAX_LENS_POSITIONS, readLogitLens } from '../analysis/logitLens';
import { GRAPH_TOP_K, logitsOutput, patchModel, planPatch } from '../onnx/graphPatch';
import { locateLogitLens } from '../onnx/logitLensPatch';
import { scanModel, type GraphSummary } from '../onnx/graphScan';
import { isMergedDecoder, liftNoPastBranch } from '../onnx/mergedBranch';
import { readModelGraph } from '../onnx/modelGraph';
import type { TextTokenizer } from '../tokenize/textTokenizer';
import {
  LensError,
  type AttentionSetShape,
  type AttentionSource,
  type DeviceInfo,
  type LogitLens,
  type ModelInfo,
  type Prediction,
  type Token,
} from '../types';
import type { EncoderDecoderFacts } from '../families';
import { buildFeeds, feedShape, inputSpecs, integerTensor, type InputSpec } from './feeds';
import { fitToModel } from './inputWindow';
import { recomputedSource, type KeptTensors, type LayerMaps } from './layerMaps';
import {
  countOpenSessions,
  nullableExp,
  predictionFetches,
  predictionsOf,
  readPredictions,
  LABELLED_IDS,
  type InspectOptions,
  type LogitLensOptions,
  type LogitsRow,
  type PredictionOutputs,
  type RunnerInspectResult,
} from './modelRunner';
import {
  createSession,
  layerMapsOf,
  loadConfigAndTokenizer,
  modelInfo,
  NO_HEAD,
  type LoadedModel,
  type ModelRequest,
} from './modelSession';
import { addPatchFeeds, PATCH_INPUTS, type PatchFeedOptions } from './patchFeeds';
import { badSetHeads, headLabel, type AblationSpec, type AblationView } from '../../protocol/ablation';
import { compareRankings } from '../analysis/ablation';
import { planHeadGate } from '../onnx/headGate';
import type { ProviderEnvironment } from './providers';
import { asFloat32 } from './tensors';
import { rankFromLogits } from './topK';
import type { RunDecoding } from '../worker/workerRuns';
import { checkRunFits, type AvailableMemory } from './runMemory';

/** Greedy generation's default: new target tokens at most, after the decoder start token. */
export const DEFAULT_MAX_NEW_TOKENS = 32;

/** One of the two graphs: its session, inputs, and the layer maps of each attention set it computes. */
interface Stage {
  session: ort.InferenceSession;
  inputs: InputSpec[];
  maps: Map<string, LayerMaps>;
  predictions: PredictionOutputs;
  attention: AttentionLocation;
  /** Whether runs can ask for the logit lens (the decoder's, LENS_POSITIONS), or why not. */
  lens: LoadedModel['logitLens'];
  /** The head gate's rows (see headGate.ts): `layers` rows of `heads` for each of `sets`, in order; or why there is none. */
  gate: ({ available: true } & GateRows) | { available: false; reason: string };
}

/** Which attention sets a graph's head gate holds, each `layers` × `heads`. */
interface GateRows {
  sets: string[];
  layers: number;
  heads: number;
}

/** The head gate over `rows.sets`' sites, one set after another (a decoder's self-attention, then its cross-attention). */
function planStageGate(skeleton: Uint8Array, graph: GraphSummary, locations: Record<string, AttentionLocation>, rows: GateRows) {
  const missing = unavailable(rows.sets.map((set) => locations[set]));
  const sites = rows.sets.flatMap((set) => {
    const l = locations[set];
    return l.available ? l.sites : [];
  });
  return planHeadGate(skeleton, graph, missing ?? { available: true, sites }, rows.layers * rows.sets.length, rows.heads);
}

const unavailable = (locations: AttentionLocation[]) => locations.find((l) => !l.available);

const NO_LENS: LoadedModel['logitLens'] = { available: false, reason: "the logit lens reads the decoder's layers" };

/**
 * Opens one graph: the skeleton (a merged decoder's no-past branch), its attention sets' recipes, the patch, a
 * session. The logit lens is added where `lensSet` names the set whose sites are the layers (the decoder's
 * self-attention: the cross-attention between them reads the encoder and is no layer boundary).
 */
async function openStage(
  request: ModelRequest,
  env: ProviderEnvironment,
  onnx: { relative: string; bytes: number },
  sets: (graph: GraphSummary) => Record<string, AttentionLocation>,
  causal: boolean,
  vocabSize: number,
  lensSet: string | undefined,
  gated: GateRows,
): Promise<{ stage: Stage; device: DeviceInfo }> {
  const onnxPath = path.join(request.folder, onnx.relative);
  const read = await readModelGraph(onnxPath, onnx.relative);
  await checkExternalData(onnxPath, read.graph.externalDataLocations);
  const skeleton = isMergedDecoder(read.graph) ? liftNoPastBranch(read.skeleton, read.graph) : read.skeleton;
  const graph = skeleton === read.skeleton ? read.graph : scanModel(skeleton);
  const locations = sets(graph);
  const recipes = Object.fromEntries(Object.entries(locations).map(([name, location]) => [name, recipesOf(graph, location)]));
  const plan = planPatch(graph, keptTensors(Object.values(recipes).flat()), causal);
  const lens = lensSet === undefined ? undefined : plan.logits ? locateLogitLens(graph, locations[lensSet], plan.logits) : NO_HEAD;
  if (lens?.available) plan.logitLens = lens.plan;
  plan.headGate = planStageGate(skeleton, graph, locations, gated);
  const patched = patchModel(skeleton, plan);
  const { session, device } = await createSession(request, env, patched.bytes, onnxPath, onnx.relative);
  const missing = unavailable(Object.values(locations));
  const maps = new Map<string, LayerMaps>();
  if (!missing)
    for (const [name, list] of Object.entries(recipes)) maps.set(name, layerMapsOf(skeleton, graph, list, onnxPath, device.provider));
  return {
    stage: {
      session,
      inputs: inputSpecs(session).filter((spec) => !PATCH_INPUTS.includes(spec.name)),
      maps,
      predictions: { predictionHead: patched.predictionHead, logitsName: logitsOutput(plan, graph), vocabSize },
      attention: missing ?? { available: true, sites: [] },
      lens: !lens ? NO_LENS : lens.available ? { available: true, layers: lens.plan.layerOutputs.length } : lens,
      gate: plan.headGate.available ? { available: true, ...gated } : plan.headGate,
    },
    device,
  };
}

/** `file` with a variant's suffix before its extension: onnx/encoder_model.onnx → onnx/encoder_model_fp16.onnx. */
const withSuffix = (file: string, suffix: string) => file.replace(/\.onnx$/, `${suffix}.onnx`);

/**
 * The encoder and decoder files of the most exact variant the folder holds both of: an fp16 encoder's output must
 * not meet an fp32 decoder.
 */
async function seq2seqFiles(folder: string, facts: EncoderDecoderFacts) {
  for (const suffix of facts.variants) {
    const decoders = facts.decoderFiles.map((f) => withSuffix(f, suffix));
    const files = await Promise.all(
      [findOnnxFile(folder, undefined, [withSuffix(facts.encoderFile, suffix)]), findOnnxFile(folder, undefined, decoders)].map((p) =>
        p.catch(() => undefined),
      ),
    );
    if (files[0] && files[1]) return { encoderFile: files[0], decoderFile: files[1] };
  }
  throw new LensError(
    `the encoder–decoder model's folder has no ${facts.encoderFile} with ${facts.decoderFiles.join(' or ')} (in any variant: ` +
      `${facts.variants.filter(Boolean).join(', ')})`,
    'model-invalid',
  );
}

export class Seq2SeqRunner {
  private released = false;
  /** The logits of every target position of the last run logitsAt made. */
  private logits: { key: string; rows: Float32Array; length: number } | undefined;

  /** The plain run's candidates at each target position, for the last text and target ablated (see ablate). */
  private ablationBaseline:
    { key: string; sourceIds: number[]; targetIds: number[]; rows: Prediction[][]; actualNext: (number | null)[] } | undefined;

  private constructor(
    readonly info: ModelInfo,
    readonly model: { device: DeviceInfo; loadMs: number; config: ModelConfig; tokenizer: TextTokenizer },
    private readonly decoderFacts: DecoderFacts,
    private readonly encoder: Stage,
    private readonly decoder: Stage,
    private readonly availableMemory: () => AvailableMemory,
  ) {
    countOpenSessions(1);
  }

  static async load(request: ModelRequest, env: ProviderEnvironment, availableMemory: () => AvailableMemory): Promise<Seq2SeqRunner> {
    const started = performance.now();
    const { config, tokenizer } = await loadConfigAndTokenizer(request.folder);
    const facts = config.family.encoderDecoder as EncoderDecoderFacts;
    const decoderFacts = config.decoder!;
    const { encoderFile, decoderFile } = await seq2seqFiles(request.folder, facts);
    const vocab = config.vocabSize;
    const encoderRows = { sets: ['encoder'], layers: config.layers, heads: config.heads };
    const encoder = await openStage(
      request,
      env,
      encoderFile,
      (g) => ({ encoder: locateAttention(g, config.layers) }),
      false,
      vocab,
      undefined,
      encoderRows,
    );
    const decoderRows = { sets: ['decoder', 'cross'], layers: decoderFacts.layers, heads: decoderFacts.heads };
    const decoder = await openStage(
      request,
      env,
      decoderFile,
      (g) => {
        const all = locateAttention(g, 2 * decoderFacts.layers);
        const { self, cross } = splitCrossAttention(g, all, decoderFacts.layers, facts.encoderStatesInput);
        return { decoder: self, cross };
      },
      true,
      vocab,
      'decoder',
      decoderRows,
    );
    const onnx = {
      relative: `${encoderFile.relative} + ${decoderFile.relative}`,
      bytes: encoderFile.bytes + decoderFile.bytes,
    };
    const attention = unavailable([encoder.stage.attention, decoder.stage.attention]) ?? encoder.stage.attention;
    const { lens } = decoder.stage;
    const closed = [encoder.stage.gate, decoder.stage.gate].find((gate) => !gate.available);
    const sets = Object.fromEntries(
      [encoderRows, decoderRows].flatMap(({ sets, layers, heads }) => sets.map((set) => [set, { layers, heads }] as const)),
    );
    const info: ModelInfo = {
      ...modelInfo(request, config, tokenizer, onnx, attention),
      logitLens: lens.available ? { available: true } : { available: false, reason: lens.reason },
      ablation: closed && !closed.available ? { available: false, reason: closed.reason } : { available: true, sets },
    };
    const loadMs = performance.now() - started;
    return new Seq2SeqRunner(
      info,
      { device: encoder.device, loadMs, config, tokenizer },
      decoderFacts,
      encoder.stage,
      decoder.stage,
      availableMemory,
    );
  }

  async dispose(): Promise<void> {
    this.logits = undefined;
    this.ablationBaseline = undefined;
    if (this.released) return;
    this.released = true;
    countOpenSessions(-1);
    for (const stage of [this.encoder, this.decoder]) {
      for (const maps of stage.maps.values()) await maps.dispose();
      await stage.session.release();
    }
  }

  private async runStage(stage: Stage, feeds: Record<string, ort.Tensor>, fetches: string[]): Promise<ort.InferenceSession.ReturnType> {
    try {
      return await stage.session.run(feeds, [...new Set(fetches)]);
    } catch (error) {
      throw new LensError(`the model failed to run: ${(error as Error).message.split('\n')[0]}`, 'model-invalid');
    }
  }

  /** The decoder's feeds for a target over the encoder's output, with `patch`'s lens positions and ablated heads. */
  private decoderFeeds(
    target: readonly number[],
    sourceLength: number,
    states: ort.Tensor,
    patch: PatchFeedOptions = {},
  ): Record<string, ort.Tensor> {
    const facts = this.model.config.family.encoderDecoder!;
    const feeds: Record<string, ort.Tensor> = {};
    for (const spec of this.decoder.inputs) {
      if (spec.name === 'input_ids') feeds[spec.name] = integerTensor(spec.type, target, [1, target.length]);
      else if (spec.name === 'encoder_attention_mask')
        feeds[spec.name] = integerTensor(spec.type, new Array<number>(sourceLength).fill(1), [1, sourceLength]);
      else if (spec.name === facts.encoderStatesInput) feeds[spec.name] = states;
      else throw new LensError(`the decoder needs an input named "${spec.name}", which Attention Lens cannot provide`, 'model-unsupported');
    }
    this.addStagePatchFeeds(this.decoder, feeds, patch);
    return feeds;
  }

  /** The encoder's feeds for the source `ids`, with `ablation`'s encoder heads ablated. */
  private encoderFeeds(ids: readonly number[], ablation?: AblationSpec): Record<string, ort.Tensor> {
    const feeds = buildFeeds(this.encoder.inputs, [...ids], 1, ids.length, feedShape(this.model.config));
    this.addStagePatchFeeds(this.encoder, feeds, { ablation });
    return feeds;
  }

  /**
   * Adds the patch's inputs `stage`'s graph has (see addPatchFeeds): its gate's rows, those of its sets' heads
   * that `patch.ablation` names, and the lens's positions.
   */
  private addStagePatchFeeds(stage: Stage, feeds: Record<string, ort.Tensor>, patch: PatchFeedOptions): void {
    const gate = stage.gate.available ? stage.gate : undefined;
    const rows = gate ? { layers: gate.layers * gate.sets.length, heads: gate.heads } : {};
    const heads = (patch.ablation?.heads ?? []).flatMap(({ set, layer, head }) => {
      const at = gate && set !== undefined ? gate.sets.indexOf(set) : -1;
      return at < 0 ? [] : [{ layer: at * gate!.layers + layer, head }];
    });
    const ablation = patch.ablation && { ...patch.ablation, heads };
    const model = { config: { ...this.model.config, ...rows }, positionsInput: false, headGate: gate !== undefined, logitLens: stage.lens };
    addPatchFeeds(model, feeds, [0], { lensAt: patch.lensAt, ablation });
  }

  /** Greedy decoding: the best next token, appended until the end token or `maxNew` tokens. */
  private async generate(sourceLength: number, states: ort.Tensor, maxNew: number): Promise<number[]> {
    const { startTokenId, endTokenId } = this.decoderFacts;
    const target = [startTokenId];
    const fetches = predictionFetches(this.decoder.predictions, false);
    while (target.length <= maxNew) {
      const outputs = await this.runStage(this.decoder, this.decoderFeeds(target, sourceLength, states), fetches);
      const { ranked } = readPredictions(outputs, this.decoder.predictions, target, target.length, 1);
      const next = ranked[target.length - 1].ids[0];
      target.push(next);
      if (next === endTokenId) break;
    }
    return target;
  }

  /** The target's tokens: the decoder start token, then the given text's (spans in it) or the generated ids. */
  private targetTokens(ids: number[] | undefined, text: string | undefined): { tokens: Token[]; text: string } {
    const { tokenizer } = this.model;
    if (ids) return tokenizer.decode(ids);
    const start = tokenizer.decode([this.decoderFacts.startTokenId]).tokens[0];
    const given = tokenizer.encode(text!).map((t) => ({ ...t, index: t.index + 1 }));
    return { tokens: [start, ...given], text: text! };
  }

  /** Kept tensors of a stage's run: what its sets' recipes read, from its outputs and feeds. */
  private static kept(stage: Stage, outputs: ort.InferenceSession.ReturnType, feeds: Record<string, ort.Tensor>): KeptTensors {
    const kept: KeptTensors = {};
    for (const maps of stage.maps.values()) {
      for (const name of maps.keptOutputs) kept[name] = outputs[name];
      for (const name of maps.fedInputs) kept[name] = feeds[name];
    }
    return kept;
  }

  private static keptNames(stage: Stage, attention: boolean): string[] {
    return attention ? [...stage.maps.values()].flatMap((maps) => maps.keptOutputs) : [];
  }

  async inspect(text: string, options: InspectOptions, beforeAttentionRun?: () => void): Promise<RunnerInspectResult> {
    const started = performance.now();
    const { config, tokenizer } = this.model;
    const { tokens, truncation } = fitToModel(tokenizer, text, Math.min(config.maxPositions, options.maxTokens ?? Infinity));
    const tokenizeMs = performance.now() - started;
    const ids = tokens.map((t) => t.id);
    const wantAttention = options.attention && this.info.attention.available;
    checkRunFits(ids.length, config, wantAttention, this.availableMemory());
    if (wantAttention) beforeAttentionRun?.();
    const runStarted = performance.now();
    const encoderFeeds = this.encoderFeeds(ids);
    const encoded = await this.runStage(this.encoder, encoderFeeds, [
      'last_hidden_state',
      ...Seq2SeqRunner.keptNames(this.encoder, wantAttention),
    ]);
    const states = encoded.last_hidden_state;
    if (!states) throw new LensError('the encoder has no last_hidden_state output', 'model-unsupported');
    const maxNew = options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
    const generated = options.target === undefined ? await this.generate(ids.length, states, maxNew) : undefined;
    const target = this.targetTokens(generated, options.target);
    const targetIds = target.tokens.map((t) => t.id);
    // The lens's positions are the target's; up to MAX_LENS_POSITIONS come from the same run.
    const lensAt = options.logitLens
      ? lensPositions(this.decoder.lens, targetIds.length, options.logitLens === 'all' ? undefined : options.logitLens)
      : undefined;
    const lensInRun = lensAt && lensAt.length <= MAX_LENS_POSITIONS ? lensAt : undefined;
    const decoderFeeds = this.decoderFeeds(targetIds, ids.length, states, { lensAt: lensInRun });
    const fetches = [
      ...predictionFetches(this.decoder.predictions, true),
      ...Seq2SeqRunner.keptNames(this.decoder, wantAttention),
      ...(lensInRun ? LENS_FETCHES : []),
    ];
    const decoded = await this.runStage(this.decoder, decoderFeeds, fetches);
    const logitLens = lensInRun
      ? this.readLens(decoded, lensInRun, targetIds, options.topK)
      : lensAt && (await this.lensRuns(targetIds, ids.length, states, lensAt, options.topK));
    const runMs = performance.now() - runStarted;
    const { ranked, actualLogProb } = readPredictions(decoded, this.decoder.predictions, targetIds, targetIds.length, options.topK);
    const attention = wantAttention
      ? this.attentionSets(encoded, encoderFeeds, decoded, decoderFeeds, ids.length, targetIds.length)
      : undefined;
    return {
      text,
      model: this.info,
      device: this.model.device,
      tokens,
      target: { ...target, generated: generated !== undefined },
      truncation,
      predictions: {
        task: config.family.task,
        list: 'target',
        ranked: target.tokens.map((t) => ({ position: t.index, top: predictionsOf(tokenizer, ranked[t.index]) })),
        actual: target.tokens.map((_, p) => nullableExp(actualLogProb(p))),
      },
      attention,
      ...(logitLens ? { logitLens } : {}),
      timings: { loadMs: this.model.loadMs, tokenizeMs, runMs, totalMs: performance.now() - started },
    };
  }

  private attentionSets(
    encoded: ort.InferenceSession.ReturnType,
    encoderFeeds: Record<string, ort.Tensor>,
    decoded: ort.InferenceSession.ReturnType,
    decoderFeeds: Record<string, ort.Tensor>,
    source: number,
    target: number,
  ): AttentionSource[] {
    const { config } = this.model;
    const { layers, heads } = this.decoderFacts;
    const encoderKept = Seq2SeqRunner.kept(this.encoder, encoded, encoderFeeds);
    const decoderKept = Seq2SeqRunner.kept(this.decoder, decoded, decoderFeeds);
    const shapes: [AttentionSetShape, Stage, KeptTensors][] = [
      [
        { set: 'encoder', layers: config.layers, heads: config.heads, queries: source, keys: source, causal: false },
        this.encoder,
        encoderKept,
      ],
      [{ set: 'decoder', layers, heads, queries: target, keys: target, causal: true }, this.decoder, decoderKept],
      [{ set: 'cross', layers, heads, queries: target, keys: source, causal: false }, this.decoder, decoderKept],
    ];
    return shapes.map(([shape, stage, kept]) => recomputedSource(shape, stage.maps.get(shape.set)!, kept));
  }

  maskedAt(): never {
    throw new LensError('masking a position needs a masked language model', 'model-unsupported');
  }

  unmasked(): never {
    throw new LensError("unmasked predictions are a masked language model's", 'model-unsupported');
  }

  private readLens(outputs: ort.InferenceSession.ReturnType, positions: readonly number[], targetIds: number[], topK: number): LogitLens {
    return readLogitLens(outputs, this.model.tokenizer, { layers: this.decoderFacts.layers, positions, topK, ids: targetIds });
  }

  /** The decoder's logit lens at target `positions` in runs of its own (see lensInChunks). */
  private lensRuns(targetIds: number[], sourceLength: number, states: ort.Tensor, positions: number[], topK: number): Promise<LogitLens> {
    return lensInChunks(positions, async (chunk) => {
      const outputs = await this.runStage(this.decoder, this.decoderFeeds(targetIds, sourceLength, states, { lensAt: chunk }), [
        ...LENS_FETCHES,
      ]);
      return this.readLens(outputs, chunk, targetIds, topK);
    });
  }

  /**
   * The logit lens of the decoder at target positions (default: every one) of the run of `text` with
   * `options.decoding`'s target: each decoder layer's output through the model's own final norm and LM head.
   */
  async logitLens(text: string, options: LogitLensOptions): Promise<LogitLens> {
    const { sourceLength, states, targetIds } = await this.encodeWithTarget(text, options.maxTokens, options.decoding ?? {});
    const positions = lensPositions(this.decoder.lens, targetIds.length, options.positions);
    return this.lensRuns(targetIds, sourceLength, states, positions, options.topK);
  }

  /** The encoder's output for `text`, and the target's ids: `decoding`'s, or written again by greedy decoding. */
  private async encodeWithTarget(text: string, maxTokens: number | undefined, decoding: RunDecoding) {
    const { config, tokenizer } = this.model;
    const ids = fitToModel(tokenizer, text, Math.min(config.maxPositions, maxTokens ?? Infinity)).tokens.map((t) => t.id);
    const states = await this.encode(ids);
    const maxNew = decoding.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
    const generated = decoding.target === undefined ? await this.generate(ids.length, states, maxNew) : undefined;
    const targetIds = this.targetTokens(generated, decoding.target).tokens.map((t) => t.id);
    return { sourceIds: ids, sourceLength: ids.length, states, targetIds };
  }

  /** The encoder's output for the source `ids`, with `ablation`'s encoder heads ablated. */
  private async encode(ids: readonly number[], ablation?: AblationSpec): Promise<ort.Tensor> {
    return (await this.runStage(this.encoder, this.encoderFeeds(ids, ablation), ['last_hidden_state'])).last_hidden_state;
  }

  /**
   * The predictions at every target position with `spec`'s heads ablated (each named by its set: encoder, decoder,
   * cross), against the plain run's, the target being the plain run's (given, or written by greedy decoding
   * without the ablation): one encoder and one decoder run per call, plus the plain run once per text.
   */
  async ablate(
    text: string,
    spec: AblationSpec,
    topK: number,
    maxTokens?: number,
    _pair?: boolean,
    decoding: RunDecoding = {},
  ): Promise<Omit<AblationView, 'runId'>> {
    const can = this.info.ablation!;
    if (!can.available) throw new LensError(`heads cannot be ablated in this model: ${can.reason}`, 'model-unsupported');
    const bad = badSetHeads(spec.heads, can.sets!);
    if (bad) throw new LensError(bad, 'model-unsupported');
    const key = JSON.stringify([text, maxTokens ?? null, decoding.target ?? null, decoding.maxNewTokens ?? null]);
    if (this.ablationBaseline?.key !== key) {
      const { sourceIds, states, targetIds } = await this.encodeWithTarget(text, maxTokens, decoding);
      this.ablationBaseline = { key, sourceIds, targetIds, ...(await this.candidates(targetIds, sourceIds.length, states)) };
    }
    const before = this.ablationBaseline;
    const states = await this.encode(before.sourceIds, spec);
    const after = await this.candidates(before.targetIds, before.sourceIds.length, states, spec);
    return {
      ablated: spec.heads.map(headLabel),
      mode: spec.mode,
      candidates: GRAPH_TOP_K,
      positions: before.targetIds.map((_, position) => ({
        position,
        changes: compareRankings(before.rows[position], after.rows[position], topK),
        actualNext: { before: before.actualNext[position], after: after.actualNext[position] },
      })),
    };
  }

  /** GRAPH_TOP_K candidates at every target position, and the probability of the token that follows each. */
  private async candidates(targetIds: number[], sourceLength: number, states: ort.Tensor, ablation?: AblationSpec) {
    const feeds = this.decoderFeeds(targetIds, sourceLength, states, { ablation });
    const outputs = await this.runStage(this.decoder, feeds, predictionFetches(this.decoder.predictions, true));
    const { ranked, actualLogProb } = readPredictions(outputs, this.decoder.predictions, targetIds, targetIds.length, GRAPH_TOP_K);
    const n = targetIds.length;
    return {
      rows: targetIds.map((_, p) => predictionsOf(this.model.tokenizer, ranked[p])),
      // The token after position p is scored at p + 1 (see readPredictions); none follows the last.
      actualNext: targetIds.map((_, p) => (p + 1 < n ? nullableExp(actualLogProb(p + 1)) : null)),
    };
  }

  /**
   * The logits over the whole vocabulary at target `position` of the run of `text` with `decoding`'s target (given,
   * or written again by greedy decoding, which gives the same tokens): the next target token's distribution there.
   * The rows of the last run are kept, so stepping along the target costs no second pass.
   */
  async logitsAt(text: string, position: number, maxTokens?: number, run: { decoding?: RunDecoding } = {}): Promise<LogitsRow> {
    const decoding = run.decoding ?? {};
    const key = JSON.stringify([text, maxTokens ?? null, decoding.target ?? null, decoding.maxNewTokens ?? null]);
    if (this.logits?.key !== key) {
      const { sourceLength, states, targetIds } = await this.encodeWithTarget(text, maxTokens, decoding);
      const { logitsName } = this.decoder.predictions;
      const outputs = await this.runStage(this.decoder, this.decoderFeeds(targetIds, sourceLength, states), [logitsName]);
      this.logits = { key, rows: asFloat32(outputs[logitsName].data), length: targetIds.length };
    }
    const { rows, length } = this.logits;
    if (!Number.isInteger(position) || position < 0 || position >= length) {
      throw new LensError(`position ${position} is outside the ${length} target tokens of this run`, 'empty-input');
    }
    const vocab = this.model.config.vocabSize;
    const row = rows.slice(position * vocab, (position + 1) * vocab);
    const top = predictionsOf(this.model.tokenizer, rankFromLogits(row, 1, vocab, Math.min(LABELLED_IDS, vocab)).rows[0]);
    return { logits: row, top };
  }
}
