// Loading one model: config, tokenizer, the graph scan and patch, and an onnxruntime session on the best
// provider that starts. Runs wherever it is called (the inference worker in the product, plain Node in tests).
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { checkExternalData, findOnnxFile, readModelConfig } from '../model/modelFolder';
import type { ModelConfig } from '../model/modelConfig';
import { locateAttention, type AttentionLocation } from '../onnx/attentionNodes';
import { keptTensors, recipesOf, type LayerRecipe } from '../onnx/attentionRecompute';
import type { GraphSummary } from '../onnx/graphScan';
import { logitsOutput, patchModel, planPatch } from '../onnx/graphPatch';
import { planHeadGate } from '../onnx/headGate';
import { readModelGraph } from '../onnx/modelGraph';
import { locateLogitLens, type LogitLensLocation } from '../onnx/logitLensPatch';
import { loadTextTokenizer, type TextTokenizer } from '../tokenize/textTokenizer';
import { LensError, type DeviceInfo, type DeviceRequest, type ModelInfo, type ModelSource } from '../types';
import { inputSpecs, type InputSpec } from './feeds';
import { PATCH_INPUTS } from './patchFeeds';
import { LayerMaps } from './layerMaps';
import { createWithFallback, providerPlan, type ProviderEnvironment } from './providers';

export interface ModelRequest {
  /** What the user named (Hub id, folder or embedded name), for display. */
  id: string;
  source: ModelSource;
  /** The resolved local folder in the Hub layout. */
  folder: string;
  /** An ONNX file relative to the folder; default: the first of ONNX_CANDIDATES present. */
  onnxFile?: string;
  device: DeviceRequest;
}

export interface LoadedModel {
  info: ModelInfo;
  config: ModelConfig;
  device: DeviceInfo;
  tokenizer: TextTokenizer;
  session: ort.InferenceSession;
  inputs: InputSpec[];
  /** How a run's attention maps are computed on request, when the graph's attention was found. */
  layerMaps?: LayerMaps;
  /** Whether the graph carries the top-k prediction head (else predictions come from full logits). */
  predictionHead: boolean;
  /** Whether runs name the positions to predict at (PREDICTED_POSITIONS); else every position is predicted. */
  positionsInput: boolean;
  /** Whether runs may feed the head gate inputs (HEAD_GATE, HEAD_MEAN) to ablate heads. */
  headGate: boolean;
  logitsName: string;
  /** Whether runs can ask for the logit lens (LENS_POSITIONS), or why not. */
  logitLens: { available: true; layers: number } | { available: false; reason: string };
  loadMs: number;
}

/**
 * Options of every session the core creates; the benchmark's plain sessions use them too, so that it compares
 * like with like. Intra-op threads do not spin-wait between kernels: inside an editor they would take the
 * cores the UI, the language servers and the renderer need (on a busy 2-core machine, spinning threads of two
 * sessions made a 32-token run 3-4x slower; on an idle one turning it off cost nothing measurable).
 * The CLI and tools/defaultModels/verify.mjs use these options too.
 */
export function sessionOptions(provider: string, externalDataFolder?: string): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    extra: {
      session: {
        'intra_op.allow_spinning': '0',
        // Weight-only int8 graphs (DequantizeLinear -> MatMul, as the embedded models are stored) are computed as
        // written: the weights are dequantized once at load by constant folding. Without this, onnxruntime fuses
        // each pair into an integer MatMul that also quantizes the activations, a different function whose rounding
        // depends on the CPU (AVX2 and AVX-512 VNNI machines gave top-5 probabilities 1.8e-3 apart). Measured on
        // the embedded models it also loads and runs faster (tools/defaultModels/verify.mjs prints both).
        disable_quant_qdq: '1',
        // The patched skeleton is handed over as bytes, so ORT must be told where its weights are.
        ...(externalDataFolder ? { model_external_initializers_file_folder_path: externalDataFolder } : {}),
      },
    },
  };
}

/** A layer session's options: the model's own, with or without onnxruntime's memory arena (see LayerMaps). */
function layerSessionOptions(provider: string, externalDataFolder: string, arena: boolean): ort.InferenceSession.SessionOptions {
  return { ...sessionOptions(provider, externalDataFolder), enableCpuMemArena: arena, enableMemPattern: arena };
}

/** A model folder's config and tokenizer, checked against each other. */
export async function loadConfigAndTokenizer(folder: string): Promise<{ config: ModelConfig; tokenizer: TextTokenizer }> {
  const config = await readModelConfig(folder);
  const tokenizer = await loadTextTokenizer(folder);
  // The vocabulary check comes first: a foreign tokenizer usually lacks the mask token too, and "does not belong
  // to this model" is the fix the user needs, not "defines no mask token".
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new LensError(
      `the tokenizer has ${tokenizer.vocabSize} tokens but the model's embedding has only ${config.vocabSize}: tokenizer.json does not ` +
        `belong to this model`,
      'model-invalid',
    );
  }
  if (config.family.needsMaskToken && tokenizer.maskTokenId === undefined) {
    throw new LensError("the masked language model's tokenizer defines no mask token", 'model-invalid');
  }
  return { config, tokenizer };
}

/** A session on the best provider that starts (the request's device, else the fallbacks), and which one ran. */
export async function createSession(
  request: ModelRequest,
  env: ProviderEnvironment,
  bytes: Uint8Array,
  onnxPath: string,
  relative: string,
): Promise<{ session: ort.InferenceSession; device: DeviceInfo }> {
  const { candidates, skipped } = providerPlan(request.device, env);
  let created;
  try {
    created = await createWithFallback(candidates, (provider) =>
      ort.InferenceSession.create(bytes, sessionOptions(provider, path.dirname(onnxPath))),
    );
  } catch (error) {
    throw new LensError(`onnxruntime cannot load ${relative}: ${(error as Error).message.split('\n')[0]}`, 'model-invalid');
  }
  const reasons = [...skipped, ...created.failures];
  const device: DeviceInfo = {
    requested: request.device,
    provider: created.provider.name,
    label: created.provider.label,
    ...(reasons.length > 0 && request.device !== 'cpu' ? { fallbackReason: reasons.join('; ') } : {}),
  };
  return { session: created.value, device };
}

/** How a graph's layer maps are computed: small sessions on the model's provider, weights read from its folder. */
export function layerMapsOf(
  skeleton: Uint8Array,
  graph: GraphSummary,
  recipes: LayerRecipe[],
  onnxPath: string,
  provider: string,
): LayerMaps {
  const folder = path.dirname(onnxPath);
  return new LayerMaps(skeleton, graph, recipes, folder, (bytes, arena) =>
    ort.InferenceSession.create(bytes, layerSessionOptions(provider, folder, arena)),
  );
}

/** The facts about a loaded model the views show, from its config, tokenizer and the ONNX file that runs. */
export function modelInfo(
  request: ModelRequest,
  config: ModelConfig,
  tokenizer: TextTokenizer,
  onnx: { relative: string; bytes: number },
  attention: AttentionLocation,
): ModelInfo {
  const { family } = config;
  return {
    id: request.id,
    source: request.source,
    folder: request.folder,
    family: family.name,
    familyLabel: family.label,
    task: family.task,
    capabilities: { ...family.capabilities },
    attentionSets: family.attentionSets.map((set) => ({ ...set })),
    architecture: config.architecture,
    modelType: config.modelType,
    tokenizerKind: tokenizer.kind,
    vocabSize: config.vocabSize,
    layers: config.layers,
    heads: config.heads,
    hiddenSize: config.hiddenSize,
    kvHeads: config.kvHeads,
    headDim: config.headDim,
    ...(config.slidingWindow ? { slidingWindow: { ...config.slidingWindow, layers: [...config.slidingWindow.layers] } } : {}),
    ...(config.attnSoftcap !== undefined ? { attnSoftcap: config.attnSoftcap } : {}),
    maxPositions: config.maxPositions,
    maskToken: family.needsMaskToken ? tokenizer.maskToken : undefined,
    onnxFile: onnx.relative,
    onnxBytes: onnx.bytes,
    attention: attention.available ? { available: true } : { available: false, reason: attention.reason },
  };
}

export const NO_HEAD: LogitLensLocation = {
  available: false,
  reason: 'the graph has no logits output the patch can add a head to (it needs opset 13 or later)',
};

export async function loadModel(request: ModelRequest, env: ProviderEnvironment): Promise<LoadedModel> {
  const started = performance.now();
  const { config, tokenizer } = await loadConfigAndTokenizer(request.folder);
  const { family } = config;
  const onnx = await findOnnxFile(request.folder, request.onnxFile);
  const onnxPath = path.join(request.folder, onnx.relative);
  // The graph without its weights: onnxruntime reads them from the file (see modelSkeleton.ts).
  const { skeleton, graph } = await readModelGraph(onnxPath, onnx.relative);
  await checkExternalData(onnxPath, graph.externalDataLocations);
  const attention = locateAttention(graph, config.layers);
  const recipes = recipesOf(graph, attention);
  const plan = {
    ...planPatch(graph, keptTensors(recipes), family.scoresActualTokens),
    headGate: planHeadGate(skeleton, graph, attention, config.layers, config.heads),
  };
  const lens = plan.logits ? locateLogitLens(graph, attention, plan.logits) : NO_HEAD;
  if (lens.available) plan.logitLens = lens.plan;
  let patched = patchModel(skeleton, plan);
  let headGate = plan.headGate;
  let created;
  try {
    created = await createSession(request, env, patched.bytes, onnxPath, onnx.relative);
  } catch (error) {
    // A head gate the graph cannot take must not keep the model from loading: it loads without, and says why.
    if (!headGate.available) throw error;
    headGate = { available: false, reason: `the head gate could not be added to this graph (${(error as Error).message})` };
    patched = patchModel(skeleton, { ...plan, headGate });
    created = await createSession(request, env, patched.bytes, onnxPath, onnx.relative);
  }
  const { session, device } = created;
  return {
    info: {
      ...modelInfo(request, config, tokenizer, onnx, attention),
      ablation: headGate.available ? { available: true } : { available: false, reason: headGate.reason },
      logitLens: lens.available ? { available: true } : lens,
    },
    config,
    device,
    tokenizer,
    session,
    // The positions, lens and head gate inputs are the runner's to feed, not the model's own.
    inputs: inputSpecs(session).filter((spec) => !PATCH_INPUTS.includes(spec.name)),
    layerMaps: attention.available ? layerMapsOf(skeleton, graph, recipes, onnxPath, device.provider) : undefined,
    predictionHead: patched.predictionHead,
    positionsInput: patched.positionsInput,
    headGate: patched.headGate,
    logitsName: logitsOutput(plan, graph),
    logitLens: lens.available ? { available: true, layers: lens.plan.layerOutputs.length } : lens,
    loadMs: performance.now() - started,
  };
}
