// Head ablation's shapes, as the host, the webview and the CLI share them: which heads, how, and how each
// prediction changed. A head is named "L.H" (layer and head, 0-based) everywhere: the CLI's --ablate, the exports
// and the views; in a model with several attention sets (an encoder–decoder's encoder, decoder and cross), "SET L.H",
// e.g. "encoder 0.1", "cross 1.0". Imports nothing but the field checks.
import { isCount, isObject } from './checks';

/** 'zero': a head's context vectors are zeroed; 'mean': each is replaced by the head's mean over positions. */
export type AblationMode = 'zero' | 'mean';
export const ABLATION_MODES: readonly AblationMode[] = ['zero', 'mean'];

/** One attention head: layer and head, 0-based (a query head, in grouped-query models). */
export interface HeadRef {
  layer: number;
  head: number;
  /** The attention set, in a model with several; absent in a model with one. */
  set?: string;
}

export interface AblationSpec {
  /** Distinct heads, at least one. */
  heads: HeadRef[];
  mode: AblationMode;
}

/** Most heads one ablation may name: every head of a 64-layer × 64-head model. */
export const MAX_ABLATED_HEADS = 4096;

/** A prediction's probability and 1-based rank in one run; absent where it was not among the graph's candidates. */
export interface RankedProbability {
  probability: number;
  rank: number;
}

/** One token's prediction with and without the ablation. */
export interface PredictionChangeView {
  id: number;
  token: string;
  /** In the plain run; absent when it ranked below the candidates a run returns (CANDIDATES). */
  before?: RankedProbability;
  /** With the heads ablated; absent likewise. */
  after?: RankedProbability;
}

/** A run's predictions with heads ablated, against the plain run's, at each ranked position. */
export interface AblationView {
  runId: number;
  /** The heads, as "L.H", in the order given. */
  ablated: string[];
  mode: AblationMode;
  /** How many candidates each run ranks: a token outside them has no `before` or `after`. */
  candidates: number;
  /**
   * Per ranked position (the run's own, as its predictions): the ablated run's top-k, best first, then the plain run's
   * top-k that fell out of it.
   */
  positions: AblatedPosition[];
}

export interface AblatedPosition {
  position: number;
  changes: PredictionChangeView[];
  /** Next-token models: the probability of the token that actually follows, in each run; null at the last position. */
  actualNext?: { before: number | null; after: number | null };
}

export function headLabel(ref: HeadRef): string {
  return ref.set === undefined ? `${ref.layer}.${ref.head}` : `${ref.set} ${ref.layer}.${ref.head}`;
}

/** The size of an attention set whose heads can be ablated. */
export interface GatedSet {
  layers: number;
  heads: number;
}

/** Why these heads cannot be ablated in a model of `layers` × `heads` (one attention set), or undefined when they can. */
export function badAblatedHeads(refs: readonly HeadRef[], layers: number, heads: number): string | undefined {
  const named = refs.find((ref) => ref.set !== undefined);
  if (named) return `head ${headLabel(named)}: this model has one attention set, so name heads as LAYER.HEAD`;
  return badHeads(refs, () => ({ layers, heads }));
}

/** Why these heads cannot be ablated in a model with the attention sets `sets` (by name), or undefined when they can. */
export function badSetHeads(refs: readonly HeadRef[], sets: Readonly<Record<string, GatedSet>>): string | undefined {
  const names = Object.keys(sets);
  const unnamed = refs.find((ref) => ref.set === undefined || !names.includes(ref.set));
  if (unnamed) return `head ${headLabel(unnamed)}: name its attention set (${names.join(', ')}), e.g. "${names[0]} 0.1"`;
  return badHeads(refs, (ref) => sets[ref.set!]);
}

function badHeads(refs: readonly HeadRef[], shapeOf: (ref: HeadRef) => GatedSet): string | undefined {
  if (refs.length === 0) return 'no heads to ablate were named';
  if (refs.length > MAX_ABLATED_HEADS) return `at most ${MAX_ABLATED_HEADS} heads can be ablated at once`;
  const seen = new Set<string>();
  for (const ref of refs) {
    const label = headLabel(ref);
    const { layers, heads } = shapeOf(ref);
    if (!isCount(ref.layer) || ref.layer >= layers) return `head ${label}: layer ${ref.layer} does not exist (layers 0-${layers - 1})`;
    if (!isCount(ref.head) || ref.head >= heads) return `head ${label}: head ${ref.head} does not exist (heads 0-${heads - 1})`;
    if (seen.has(label)) return `head ${label} is named twice`;
    seen.add(label);
  }
  return undefined;
}

const HEAD_SPEC = /^(?:([a-z]{1,32})\s+)?(\d{1,6})\.(\d{1,6})$/;

/** "[SET ]L.H[,…]" (the CLI's --ablate) as heads, or the reason it is not one; whether they exist is not checked. */
export function parseHeadForm(spec: string): HeadRef[] | { error: string } {
  const refs: HeadRef[] = [];
  for (const part of spec.split(',')) {
    const match = HEAD_SPEC.exec(part.trim());
    if (!match) {
      const form = 'LAYER.HEAD, e.g. 0.3 (0-based; SET LAYER.HEAD in an encoder–decoder model, e.g. cross 1.0)';
      return { error: `"${part.trim()}" is not a head: write ${form}, several separated by commas` };
    }
    refs.push({ layer: Number(match[2]), head: Number(match[3]), ...(match[1] ? { set: match[1] } : {}) });
  }
  return refs;
}

/** "L.H[,L.H…]" as heads of a model of `layers` × `heads`, or the reason they are not. */
export function parseHeadList(spec: string, layers: number, heads: number): HeadRef[] | { error: string } {
  const refs = parseHeadForm(spec);
  if ('error' in refs) return refs;
  const bad = badAblatedHeads(refs, layers, heads);
  return bad ? { error: bad } : refs;
}

/**
 * A webview's ablate params (the host checks the heads against the run's model), or undefined when malformed. No
 * heads: the webview's Reset, which the host records so that the exports no longer name an ablation.
 */
export function parseAblationParams(p: Record<string, unknown>): ({ runId: number } & AblationSpec) | undefined {
  const heads = p.heads;
  if (!isCount(p.runId) || !ABLATION_MODES.includes(p.mode as AblationMode)) return undefined;
  if (!Array.isArray(heads) || heads.length > MAX_ABLATED_HEADS) return undefined;
  const refs: HeadRef[] = [];
  for (const h of heads as unknown[]) {
    if (!isObject(h) || !isCount(h.layer) || !isCount(h.head)) return undefined;
    if (h.set !== undefined && (typeof h.set !== 'string' || !/^[a-z]{1,32}$/.test(h.set))) return undefined;
    refs.push({ layer: h.layer, head: h.head, ...(typeof h.set === 'string' ? { set: h.set } : {}) });
  }
  return { runId: p.runId, heads: refs, mode: p.mode as AblationMode };
}
