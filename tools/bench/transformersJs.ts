// The tool a JavaScript user would otherwise pick: @huggingface/transformers (transformers.js) on the same model
// folder, offline. Masked model: the fill-mask pipeline; causal model: tokenizer + AutoModelForCausalLM forward.
// It returns no attention, so inspect ÷ this says what seeing every map costs over a plain prediction tool.
import * as path from 'node:path';
import { sessionOptions } from '../../src/core/engine/modelSession';
import type { BenchModel } from './workload';
import type { BenchDevice } from './options';

/** One call of the comparison tool on a text, tokenization included (as inspect includes it). */
export interface TransformersRun {
  what: string;
  run(text: string): Promise<void>;
  /** Masked model: fill-mask's top-k for the text's one mask token, to check it computes what inspect does. */
  fills?: (text: string) => Promise<{ id: number; probability: number }[]>;
  dispose(): Promise<void>;
}

interface Disposable {
  dispose(): Promise<unknown>;
}

type FillMask = ((text: string, options: { top_k: number }) => Promise<{ token: number; score: number }[]>) & Disposable;
type Tokenizer = (text: string) => Record<string, unknown>;
type CausalModel = ((inputs: Record<string, unknown>) => Promise<{ logits: unknown }>) & Disposable;

export async function loadTransformersJs(model: BenchModel, device: BenchDevice, topK: number): Promise<TransformersRun> {
  // An ES module with a CommonJS build; the bundle keeps it external (a devDependency in node_modules).
  const tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.allowLocalModels = true;
  tjs.env.localModelPath = path.dirname(model.folder) + path.sep;
  const name = path.basename(model.folder);
  // The core's thread setting (no spin-waiting, see sessionOptions): with transformers.js's default, its idle
  // threads spun after each of its runs and slowed whichever contender ran next in the same process.
  const settings = { dtype: 'fp32', device, session_options: { extra: sessionOptions(device).extra } } as const;
  if (model.family.task === 'fill-mask') {
    const fill = (await tjs.pipeline('fill-mask', name, settings)) as unknown as FillMask;
    return {
      what: `fill-mask pipeline (top ${topK})`,
      run: async (text) => {
        await fill(text, { top_k: topK });
      },
      fills: async (text) => (await fill(text, { top_k: topK })).map((f) => ({ id: f.token, probability: f.score })),
      dispose: async () => {
        await fill.dispose();
      },
    };
  }
  const tokenizer = (await tjs.AutoTokenizer.from_pretrained(name)) as unknown as Tokenizer;
  const causal = (await tjs.AutoModelForCausalLM.from_pretrained(name, settings)) as unknown as CausalModel;
  return {
    what: 'AutoModelForCausalLM forward (logits)',
    run: async (text) => {
      const out = await causal(tokenizer(text));
      if (!out.logits) throw new Error('transformers.js returned no logits');
    },
    dispose: async () => {
      await causal.dispose();
    },
  };
}
