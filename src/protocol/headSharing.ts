// What the views say about a model's attention besides its maps: which key/value head each query head shares
// (grouped-query attention), which layers see only a sliding window, and the soft-cap. One place for the words, so
// the selectors, the model view, the side view and the exports say the same; a multi-head model's labels are as
// they always were (every suffix is empty).
import type { RunSummary } from './shapes';

/** The model facts these read (a run summary's model). */
export type AttentionModelFacts = Pick<RunSummary['model'], 'heads' | 'layers' | 'kvHeads' | 'slidingWindow' | 'attnSoftcap'>;

/** Query heads per key/value head; 1 when each query head has its own (or the config is inconsistent). */
export function queriesPerKvHead(m: AttentionModelFacts): number {
  const kv = m.kvHeads;
  return kv !== undefined && kv > 0 && kv < m.heads && m.heads % kv === 0 ? m.heads / kv : 1;
}

/**
 * The key/value head query head `head` reads, as transformers' repeat_kv lays them out (each KV head repeated for
 * heads ÷ kvHeads consecutive query heads): ⌊head ÷ (heads ÷ kvHeads)⌋. Undefined for a multi-head model.
 */
export function kvHeadOf(m: AttentionModelFacts, head: number): number | undefined {
  const group = queriesPerKvHead(m);
  return group > 1 ? Math.floor(head / group) : undefined;
}

/** The query heads that share key/value head `kv`, [first, last] inclusive. */
export function queryHeadsOf(m: AttentionModelFacts, kv: number): [number, number] {
  const group = queriesPerKvHead(m);
  return [kv * group, kv * group + group - 1];
}

/** " · KV 1" after a head's name when the model shares key/value heads, else "". */
export function headSuffix(m: AttentionModelFacts | undefined, head: number): string {
  const kv = m ? kvHeadOf(m, head) : undefined;
  return kv === undefined ? '' : ` · KV ${kv}`;
}

/** "head 5 · KV 1" (grouped-query attention), "head 5" or "mean of heads", for running text. */
export function headName(m: AttentionModelFacts | undefined, head: number | 'mean'): string {
  return head === 'mean' ? 'mean of heads' : `head ${head}${headSuffix(m, head)}`;
}

/** A window in words: "4" (the query and the 3 keys before it) or "±4" (4 keys on either side, a window of 8 around). */
function windowText(w: NonNullable<AttentionModelFacts['slidingWindow']>): string {
  return w.around ? `±${Math.floor(w.size / 2)}` : String(w.size);
}

/** The window of layer `layer` in words ("4", "±4"), when it is a sliding-window layer. */
export function layerWindow(m: AttentionModelFacts | undefined, layer: number): string | undefined {
  const w = m?.slidingWindow;
  return w && w.layers.includes(layer) ? windowText(w) : undefined;
}

/** " · sliding window 4" (or "±4") after a layer's name when it sees only a window of keys, else "". */
export function layerSuffix(m: AttentionModelFacts | undefined, layer: number): string {
  const size = layerWindow(m, layer);
  return size === undefined ? '' : ` · sliding window ${size}`;
}

/** Which layers slide, in words: "every layer", "layers 0, 2 and 4", or "20 of 26 layers". */
function slidingLayersText(layers: number[], total: number): string {
  if (layers.length === total) return 'every layer';
  if (layers.length === 1) return `layer ${layers[0]}`;
  if (layers.length > 6) return `${layers.length} of ${total} layers`;
  return `layers ${layers.slice(0, -1).join(', ')} and ${layers[layers.length - 1]}`;
}

/**
 * The model-info facts of its attention, each a part of the summary line; none for a multi-head model without
 * windows or soft-cap. E.g. "14 query heads share 2 key/value heads", "sliding window 4 in layers 0 and 2",
 * "attention soft-cap 50".
 */
export function attentionFactParts(m: AttentionModelFacts): string[] {
  const parts: string[] = [];
  if (queriesPerKvHead(m) > 1) parts.push(`${m.heads} query heads share ${m.kvHeads} key/value ${m.kvHeads === 1 ? 'head' : 'heads'}`);
  const w = m.slidingWindow;
  if (w && w.layers.length > 0) parts.push(`sliding window ${windowText(w)} in ${slidingLayersText(w.layers, m.layers)}`);
  if (m.attnSoftcap !== undefined) parts.push(`attention soft-cap ${m.attnSoftcap}`);
  return parts;
}
