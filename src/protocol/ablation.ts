// Head ablation's shapes, as the host, the webview and the CLI share them: which heads, how, and how each
// prediction changed. A head is named "L.H" (layer and head, 0-based) everywhere: the CLI's --ablate, the exports
// and the views. Imports nothing but the field checks.
import { isCount, isObject } from './checks';

/** 'zero': a head's context vectors are zeroed; 'mean': each is replaced by the head's mean over positions. */
export type AblationMode = 'zero' | 'mean';
export const ABLATION_MODES: readonly AblationMode[] = ['zero', 'mean'];

/** One attention head: layer and head, 0-based (a query head, in grouped-query models). */
export interface HeadRef {
  layer: number;
  head: number;
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
  return `${ref.layer}.${ref.head}`;
}

/** Why these heads cannot be ablated in a model of `layers` × `heads`, or undefined when they can. */
export function badAblatedHeads(refs: readonly HeadRef[], layers: number, heads: number): string | undefined {
  if (refs.length === 0) return 'no heads to ablate were named';
  if (refs.length > MAX_ABLATED_HEADS) return `at most ${MAX_ABLATED_HEADS} heads can be ablated at once`;
  const seen = new Set<string>();
  for (const ref of refs) {
    const label = headLabel(ref);
    if (!isCount(ref.layer) || ref.layer >= layers) return `head ${label}: layer ${ref.layer} does not exist (layers 0-${layers - 1})`;
    if (!isCount(ref.head) || ref.head >= heads) return `head ${label}: head ${ref.head} does not exist (heads 0-${heads - 1})`;
    if (seen.has(label)) return `head ${label} is named twice`;
    seen.add(label);
  }
  return undefined;
}

const HEAD_SPEC = /^(\d{1,6})\.(\d{1,6})$/;

/** "L.H[,L.H…]" (the CLI's --ablate) as heads, or the reason it is not one. */
export function parseHeadList(spec: string, layers: number, heads: number): HeadRef[] | { error: string } {
  const refs: HeadRef[] = [];
  for (const part of spec.split(',')) {
    const match = HEAD_SPEC.exec(part.trim());
    if (!match) return { error: `"${part.trim()}" is not a head: write LAYER.HEAD, e.g. 0.3 (0-based), several separated by commas` };
    refs.push({ layer: Number(match[1]), head: Number(match[2]) });
  }
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
    refs.push({ layer: h.layer, head: h.head });
  }
  return { runId: p.runId, heads: refs, mode: p.mode as AblationMode };
}
