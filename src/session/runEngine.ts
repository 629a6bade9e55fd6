// The session's one door to the inference engine. The worker's transport types (WorkerInspectResult and its set
// references) are converted here, so nothing past this module sees them: a run is its host run id, its summary and
// the few facts the engine needs to answer about it (RunSource). The worker keeps the run under the same id.
import type { LogitsRow } from '../core/engine/modelRunner';
import { hasRollout } from '../core/analysis/rollout';
import { fetchRollouts, type SetRollout } from '../core/analysis/rolloutSets';
import type { InferenceEngine } from '../core/worker/inferenceEngine';
import { topKeys } from '../core/analysis/queryKey';
import { badHeads, badQueryKey, noSuchLayer } from '../core/worker/workerRequests';
import type { AblationSpec, AblationView } from '../protocol/ablation';
import {
  attentionSet,
  LENS_SHOWN,
  setShape,
  type AttentionLayer,
  type AttentionOverview,
  type LayerHeads,
  type LogitLensView,
  type Params,
  type PredictionView,
  type QueryKeyView,
  type RunSummary,
} from '../protocol';
import type { SetMaps } from './runState';
import { toOverview, toRunSummary } from './runSummary';

/** What the engine needs to know of a run besides its summary. */
export interface RunSource {
  /** The folder of the model that made it: later questions about the run need that model still loaded. */
  modelFolder: string;
  /** The ONNX file that ran, relative to the folder (the JSON export says it). */
  onnxFile: string;
  /** Whether the worker kept the run's attention sets. */
  keptAttention: boolean;
}

export interface EngineRun {
  summary: RunSummary;
  source: RunSource;
  /** A fill-mask model's top-k at every position, when the run ranked them anyway (the run store takes it). */
  unmasked?: PredictionView[][];
  /** The logit lens at the view's first window, when the run was asked to carry it (the run store takes it). */
  lens?: LogitLensView;
}

/** The settings a run is made with. */
export interface RunSettings {
  topK: number;
  maxTokens: number;
  /** Encoder–decoder models: the most target tokens greedy generation writes. */
  maxNewTokens: number;
}

export class RunEngine {
  constructor(private readonly engine: InferenceEngine) {}

  /**
   * `run.pair`: the text as a sentence pair; `run.target`: an encoder–decoder model's given target (teacher forcing),
   * absent: the model generates one; `run.lens`: carry the logit lens at the view's first window (where the model has one).
   */
  async inspect(
    runId: number,
    text: string,
    settings: RunSettings,
    run: { pair?: boolean; target?: string; lens?: boolean } = {},
  ): Promise<EngineRun> {
    const { pair = false, target } = run;
    const { topK, maxTokens, maxNewTokens } = settings;
    const options = {
      attention: true,
      topK,
      maxTokens,
      maxNewTokens,
      pair,
      ...(target !== undefined && { target }),
      ...(run.lens && { lensWindow: LENS_SHOWN }),
    };
    const { unmasked, logitLens, ...result } = await this.engine.request('inspect', { run: runId, text, options });
    const { model } = result;
    const source = { modelFolder: model.folder, onnxFile: model.onnxFile, keptAttention: result.attention !== undefined };
    return { summary: toRunSummary(runId, result), source, unmasked, ...(logitLens && { lens: logitLens }) };
  }

  /** The model view's overview of one of a run's attention sets. */
  async overview(summary: RunSummary, set: string): Promise<AttentionOverview> {
    return toOverview(summary.runId, set, await this.engine.request('overview', { run: summary.runId, set }));
  }

  /** One layer of one set of a run's attention; with `heads`, only those heads, in that order, or their mean. */
  async layer(summary: RunSummary, source: RunSource, set: string, layer: number, heads?: LayerHeads): Promise<AttentionLayer> {
    if (!source.keptAttention) throw new Error(summary.attentionUnavailable ?? 'this run kept no attention');
    const view = attentionSet(summary, set);
    if (!view) throw new Error(`this run has no attention set "${set}" (it has ${summary.attentionSets.map((s) => s.name).join(', ')})`);
    if (layer >= view.layers) throw new Error(noSuchLayer(layer, view.layers));
    const { queries, keys } = setShape(summary, view);
    const wrongHeads = heads && badHeads(heads, view.heads);
    if (wrongHeads) throw new Error(wrongHeads);
    const data = await this.engine.request('layer', { run: summary.runId, set, layer, ...(heads ? { heads } : {}) });
    const which = heads === 'mean' ? { mean: true as const } : heads ? { only: heads } : {};
    return { runId: summary.runId, set, layer, heads: view.heads, queries, keys, ...which, data };
  }

  /** Attention rollout R_layer of a self-attention set of a run, as a layer of one map ([1, queries, keys]). */
  async rollout(summary: RunSummary, source: RunSource, set: string, layer: number): Promise<AttentionLayer> {
    if (!source.keptAttention) throw new Error(summary.attentionUnavailable ?? 'this run kept no attention');
    const view = attentionSet(summary, set);
    if (!view) throw new Error(`this run has no attention set "${set}"`);
    if (!hasRollout(view)) throw new Error(`rollout is defined for self-attention, not for "${view.label}"`);
    if (layer >= view.layers) throw new Error(noSuchLayer(layer, view.layers));
    const { queries, keys } = setShape(summary, view);
    const data = await this.engine.request('rollout', { run: summary.runId, set, layer });
    return { runId: summary.runId, set, layer, heads: 1, queries, keys, data };
  }

  /** Every layer's rollout of each self-attention set of a run (the JSON export); none when the run kept no attention. */
  async rollouts(summary: RunSummary, source: RunSource): Promise<SetRollout[]> {
    if (!source.keptAttention) return [];
    const sets = summary.attentionSets.map((view) => ({
      set: view.name,
      layers: view.layers,
      heads: view.heads,
      causal: view.causal,
      ...setShape(summary, view),
    }));
    return fetchRollouts(this.engine, summary.runId, sets, summary.attentionSets);
  }

  /** One head's query·key reading at a query token; the vectors of only the `keys` most attended keys are kept. */
  async queryKey(summary: RunSummary, source: RunSource, params: Params<'queryKey'>): Promise<QueryKeyView> {
    if (!source.keptAttention) throw new Error(summary.attentionUnavailable ?? 'this run kept no attention');
    const { set, layer, head, query, keys } = params;
    const view = attentionSet(summary, set);
    if (!view) throw new Error(`this run has no attention set "${set}"`);
    const wrong = badQueryKey({ ...view, ...setShape(summary, view) }, layer, head, query);
    if (wrong) throw new Error(wrong);
    const r = await this.engine.request('queryKey', { run: summary.runId, set, layer, head, query });
    const top = topKeys(r.probs, keys);
    const k = new Float32Array(top.length * r.dim);
    top.forEach((j, i) => k.set(r.k.subarray(j * r.dim, (j + 1) * r.dim), i * r.dim));
    const { dim, scale, kvHead, q, scores, probs } = r;
    return { runId: summary.runId, set, layer, head, query, dim, keys: r.keys, scale, kvHead, q, scores, probs, top, k };
  }

  /** Every layer of each of a run's attention sets (the JSON export); none when the run kept no attention. */
  async maps(summary: RunSummary, source: RunSource): Promise<SetMaps[]> {
    if (!source.keptAttention) return [];
    const sets = await this.engine.request('maps', { run: summary.runId });
    return sets.flatMap((maps) => {
      const set = attentionSet(summary, maps.set);
      return set ? [{ set, maps }] : [];
    });
  }

  /** The top-k at a position when it alone is masked; undefined when it cannot be masked (a special token). */
  async maskedAt(summary: RunSummary, position: number, settings: RunSettings): Promise<PredictionView[] | undefined> {
    const [answer] = await this.engine.request('maskedAt', { run: summary.runId, positions: [position], topK: settings.topK });
    return answer?.top;
  }

  unmasked(summary: RunSummary, settings: RunSettings): Promise<PredictionView[][]> {
    return this.engine.request('unmasked', { run: summary.runId, topK: settings.topK });
  }

  /** The predictions of the run's text with heads ablated, against its plain ones (ModelRunner.ablate). */
  ablate(summary: RunSummary, spec: AblationSpec, settings: RunSettings): Promise<Omit<AblationView, 'runId'>> {
    return this.engine.request('ablate', { run: summary.runId, spec, topK: settings.topK });
  }

  /** The logit lens at positions of the run's text, each layer's top-k as the settings' top-k. */
  logitLens(summary: RunSummary, positions: number[], settings: RunSettings): Promise<LogitLensView> {
    return this.engine.request('logitLens', { run: summary.runId, positions, topK: settings.topK });
  }

  /** The whole vocabulary's logits at a position, on the window the run ran on (the worker keeps its text and cap). */
  logitsAt(summary: RunSummary, position: number): Promise<LogitsRow> {
    return this.engine.request('logits', { run: summary.runId, position });
  }
}
