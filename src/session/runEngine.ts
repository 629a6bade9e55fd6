// The session's one door to the inference engine. The worker's transport types (WorkerInspectResult and its
// attention reference) are converted here, so nothing past this module sees them: a run is its host run id, its
// summary and the few facts the engine needs to answer about it (RunSource).
import type { LogitsRow } from '../core/engine/modelRunner';
import type { AttentionMaps } from '../core/types';
import type { InferenceEngine } from '../core/worker/inferenceEngine';
import type { AttentionLayer, AttentionOverview, PredictionView, RunSummary } from '../protocol';
import { layerUnavailable, toOverview, toRunSummary } from './runSummary';

/** Where a run's attention is kept in the worker, and its size. */
export interface KeptAttention {
  /** The worker's key for the maps (the inspect's request id there; never shown to a webview). */
  key: number;
  layers: number;
  heads: number;
  tokens: number;
}

/** What the engine needs to know of a run besides its summary. */
export interface RunSource {
  /** The folder of the model that made it: later questions about the run need that model still loaded. */
  modelFolder: string;
  /** The ONNX file that ran, relative to the folder (the JSON export says it). */
  onnxFile: string;
  attention?: KeptAttention;
}

export interface EngineRun {
  summary: RunSummary;
  source: RunSource;
}

/** The settings a run is made with. */
export interface RunSettings {
  topK: number;
  maxTokens: number;
}

/** The one set of today's models; the engine will take a set name once it keeps several. */
const ONLY_SET = 'self';

export class RunEngine {
  constructor(private readonly engine: InferenceEngine) {}

  async inspect(runId: number, text: string, settings: RunSettings): Promise<EngineRun> {
    const result = await this.engine.inspect(text, { attention: true, topK: settings.topK, maxTokens: settings.maxTokens });
    const { attention, model } = result;
    const kept = attention && { key: attention.run, layers: attention.layers, heads: attention.heads, tokens: attention.tokens };
    return { summary: toRunSummary(runId, result), source: { modelFolder: model.folder, onnxFile: model.onnxFile, attention: kept } };
  }

  /** The model view's overview of a run's attention, or undefined when it kept none. */
  async overview(runId: number, source: RunSource): Promise<AttentionOverview | undefined> {
    return source.attention && toOverview(runId, await this.engine.attentionOverview(source.attention.key));
  }

  /** One layer of one set of a run's attention. */
  async layer(summary: RunSummary, source: RunSource, set: string, layer: number): Promise<AttentionLayer> {
    if (set !== ONLY_SET) throw new Error(`this run has no attention set "${set}"`);
    const unavailable = layerUnavailable(summary, source.attention, layer);
    if (unavailable !== undefined) throw new Error(unavailable);
    const { key, heads, tokens } = source.attention!;
    return { runId: summary.runId, layer, heads, tokens, data: await this.engine.attentionLayer(key, layer) };
  }

  /** Every layer of a run's attention (the JSON export), or undefined when it kept none. */
  maps(source: RunSource): Promise<AttentionMaps | undefined> {
    return source.attention ? this.engine.attentionMaps(source.attention.key) : Promise.resolve(undefined);
  }

  /** The top-k at a position when it alone is masked; undefined when it cannot be masked (a special token). */
  async maskedAt(summary: RunSummary, position: number, settings: RunSettings): Promise<PredictionView[] | undefined> {
    const [answer] = await this.engine.maskedAt(summary.text, [position], settings.topK, settings.maxTokens);
    return answer?.top;
  }

  unmasked(summary: RunSummary, settings: RunSettings): Promise<PredictionView[][]> {
    return this.engine.unmasked(summary.text, settings.topK, settings.maxTokens);
  }

  /** The whole vocabulary's logits at a position, on the window the run ran on (its own token count as the cap). */
  logitsAt(summary: RunSummary, position: number): Promise<LogitsRow> {
    return this.engine.logitsAt(summary.text, position, summary.tokens.length);
  }
}
