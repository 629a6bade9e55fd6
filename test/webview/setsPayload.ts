// A synthetic run of two token lists and three attention sets, shaped as an encoder–decoder run will be: 'encoder'
// (input × input), 'decoder' (target × target, causal) and 'cross' (target × input, non-square). The input is a
// BERT-tokenized text, the target a GPT-2-tokenized one, so the two lists differ in length and in their pieces; the
// predictions are next-token over the target (as a decoder's), with the logits row of each target position.
import type { AttentionSetView, TokenListName } from '../../src/protocol';
import { generateLayer, makePayload, mulberry32 } from './makePayload';
import { downsample, type Payload } from './payload';

const HEADS = 2;

/** [heads, queries, keys]: each target token attends mostly near its proportional place in the input; rows sum to 1. */
function crossLayer(queries: number, keys: number, layer: number): Float32Array {
  const out = new Float32Array(HEADS * queries * keys);
  const rand = mulberry32(4242 + layer);
  for (let h = 0; h < HEADS; h++) {
    for (let q = 0; q < queries; q++) {
      const centre = ((q + 0.5) * keys) / queries + h * 2;
      const row = h * queries * keys + q * keys;
      let sum = 0;
      for (let k = 0; k < keys; k++) sum += out[row + k] = Math.exp(3 * Math.exp(-((k - centre) ** 2) / 4) + rand() * 0.5);
      for (let k = 0; k < keys; k++) out[row + k] /= sum;
    }
  }
  return out;
}

/** `generated`: whether the model wrote the target (else the user gave it). */
export function setsPayload(runId = 1, generated = true): Payload {
  const input = makePayload({ name: 'sets-input', kind: 'masked', tokens: 14, layers: 2, heads: HEADS, runId, seed: 3 });
  const target = makePayload({ name: 'sets-target', kind: 'causal', tokens: 9, layers: 3, heads: HEADS, runId, seed: 5 });
  const inputTokens = input.summary.tokens;
  const targetTokens = target.summary.tokens;
  const set = (
    name: string,
    label: string,
    queries: TokenListName,
    keys: TokenListName,
    layers: number,
    causal: boolean,
  ): AttentionSetView => ({ name, label, queries, keys, layers, heads: HEADS, causal });
  const sets = [
    set('encoder', 'Encoder self-attention', 'input', 'input', 2, false),
    set('decoder', 'Decoder self-attention', 'target', 'target', 3, true),
    set('cross', 'Cross-attention (target → input)', 'target', 'input', 3, false),
  ];
  const lengths: Record<TokenListName, number> = { input: inputTokens.length, target: targetTokens.length };
  const layer = (l: number, name = 'encoder'): Float32Array => {
    if (name === 'encoder') return input.layer(l);
    if (name === 'decoder')
      return generateLayer({ name, kind: 'causal', tokens: targetTokens.length, layers: 3, heads: HEADS, seed: 5 }, targetTokens, l);
    if (name === 'cross') return crossLayer(targetTokens.length, inputTokens.length, l);
    throw new Error(`no attention set ${name}`);
  };
  // Shaped as an encoder–decoder run: the predictions are the decoder's, next-token over the target list.
  const t = target.summary;
  const summary = {
    ...input.summary,
    model: {
      ...input.summary.model,
      id: 'synthetic/encoder-decoder',
      family: 't5',
      familyLabel: 'encoder–decoder',
      task: t.predictions.task,
      architecture: 'EncoderDecoderShaped',
      layers: 3,
      vocabSize: t.model.vocabSize,
      maskToken: undefined,
    },
    target: { tokens: targetTokens, text: t.text, generated },
    predictions: { ...t.predictions, list: 'target' as const },
    capabilities: { maskPosition: false, unmasked: false, logits: true },
    attentionSets: sets,
  };
  // Full-resolution overviews (the lists are short), one per set, as the host sends them.
  const overviews = sets.map((s) => {
    const [queries, keys] = [lengths[s.queries], lengths[s.keys]];
    const data = downsample({ layers: s.layers, heads: s.heads, queries, keys }, queries, keys, (l) => layer(l, s.name));
    return { runId: summary.runId, set: s.name, rows: queries, cols: keys, data };
  });
  return { name: 'sets', summary, overviews, layer, logitsAt: target.logitsAt };
}
