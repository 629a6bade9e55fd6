// UI state that survives hide/show (vscode.setState): which tab, attention set, layer, heads, token, zoom, sampling
// controls.
import { SET_NAME, setShape, type RunSummary } from '../src/protocol';
import { ABLATION_MODES, MAX_ABLATED_HEADS, type AblationMode, type HeadRef } from '../src/protocol/ablation';
import { MIN_TEMPERATURE, TOP_K_ALL, type SamplingControls } from './render/sampling';
import { PAIR_FILTERS, type PairFilter } from './views/pairNotice';

export const TABS = ['tokens', 'head', 'model', 'matrix', 'predictions', 'lens', 'compare'] as const;
export type TabId = (typeof TABS)[number];

export interface UiState extends SamplingControls {
  tab: TabId;
  /** The attention set the head view, model view, matrix and side view show ('' = the run's first). */
  set: string;
  layer: number;
  /** Heads overlaid in the head view. */
  heads: number[];
  /** The head shown by the matrix and the side view ('mean' = mean over heads). */
  head: number | 'mean';
  selected: number | null;
  /** The selected token of the run's second list (an encoder–decoder run's target): where its predictions are shown. */
  targetSelected: number | null;
  /** The run the selected token belongs to: a new run starts with none (a replay of the same run keeps it). */
  selectionRun: number;
  /** Matrix view: CSS px per cell (0 = fit) and the top-left cell shown. */
  zoom: number;
  panX: number;
  panY: number;
  /** Side view: take the inspector's layer and head whenever they change. */
  followInspector: boolean;
  /** Head view of a sentence pair: all links, A→B or B→A only. */
  pairFilter: PairFilter;
  /** Heads whose context the predictions are recomputed without (shift-click in the model view); [] = none. */
  ablated: HeadRef[];
  ablationMode: AblationMode;
  /** What the matrix shows: one head's (or the mean's) attention, or the attention rollout R of the layer. */
  matrixShows: MatrixShows;
  /** The selected token is pinned: the editor cursor (side view) and the mouse (head view) do not move it; a new run unpins. */
  pinned: boolean;
}

export const MATRIX_SHOWS = ['attention', 'rollout'] as const;
export type MatrixShows = (typeof MATRIX_SHOWS)[number];

export const DEFAULT_STATE: UiState = {
  tab: 'tokens',
  set: '',
  layer: 0,
  heads: [0],
  head: 'mean',
  selected: null,
  targetSelected: null,
  selectionRun: -1,
  zoom: 0,
  panX: 0,
  panY: 0,
  followInspector: true,
  pairFilter: 'all',
  matrixShows: 'attention',
  pinned: false,
  temperature: 1,
  topK: 10,
  topP: 1,
  ablated: [],
  ablationMode: 'zero',
};

function num(v: unknown, fallback: number, min: number, max: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;
}

function index(v: unknown): number | null {
  return Number.isInteger(v) && (v as number) >= 0 ? (v as number) : null;
}

/** Saved ablated heads: well-formed {layer, head} pairs only, each with its set's name where it has one. */
function headRefs(v: unknown): HeadRef[] {
  if (!Array.isArray(v)) return [];
  const ok = (x: unknown): x is HeadRef =>
    typeof x === 'object' &&
    x !== null &&
    index((x as HeadRef).layer) !== null &&
    index((x as HeadRef).head) !== null &&
    ((x as HeadRef).set === undefined || (typeof (x as HeadRef).set === 'string' && SET_NAME.test((x as HeadRef).set!)));
  return v
    .filter(ok)
    .slice(0, MAX_ABLATED_HEADS)
    .map(({ layer, head, set }) => ({ layer, head, ...(set !== undefined ? { set } : {}) }));
}

/** Whether an ablated head exists in the run's model: in its set's, where the model names its sets' sizes. */
function headInRun(h: HeadRef, s: RunSummary): boolean {
  const sets = s.ablation?.available ? s.ablation.sets : undefined;
  const size = sets ? (h.set !== undefined ? sets[h.set] : undefined) : h.set === undefined ? s.model : undefined;
  return size !== undefined && h.layer < size.layers && h.head < size.heads;
}

/** getState() returns whatever an older build saved: take only what is well-formed. */
export function restoreState(raw: unknown): UiState {
  const s = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const d = DEFAULT_STATE;
  return {
    tab: TABS.includes(s.tab as TabId) ? (s.tab as TabId) : d.tab,
    set: typeof s.set === 'string' && SET_NAME.test(s.set) ? s.set : d.set,
    layer: Math.floor(num(s.layer, d.layer, 0, 1e4)),
    heads: Array.isArray(s.heads) && s.heads.every((h) => Number.isInteger(h) && h >= 0) ? (s.heads as number[]) : d.heads,
    head: s.head === 'mean' ? 'mean' : Number.isInteger(s.head) && (s.head as number) >= 0 ? (s.head as number) : d.head,
    selected: index(s.selected),
    targetSelected: index(s.targetSelected),
    selectionRun: Number.isInteger(s.selectionRun) ? (s.selectionRun as number) : d.selectionRun,
    zoom: num(s.zoom, d.zoom, 0, 64),
    panX: num(s.panX, 0, 0, 1e5),
    panY: num(s.panY, 0, 0, 1e5),
    followInspector: typeof s.followInspector === 'boolean' ? s.followInspector : d.followInspector,
    pairFilter: PAIR_FILTERS.includes(s.pairFilter as PairFilter) ? (s.pairFilter as PairFilter) : d.pairFilter,
    pinned: s.pinned === true && index(s.selected) !== null,
    temperature: num(s.temperature, d.temperature, MIN_TEMPERATURE, 5),
    topK: Math.floor(num(s.topK, d.topK, TOP_K_ALL, 1000)),
    topP: num(s.topP, d.topP, 0.01, 1),
    ablated: headRefs(s.ablated),
    ablationMode: ABLATION_MODES.includes(s.ablationMode as AblationMode) ? (s.ablationMode as AblationMode) : d.ablationMode,
    matrixShows: MATRIX_SHOWS.includes(s.matrixShows as MatrixShows) ? (s.matrixShows as MatrixShows) : d.matrixShows,
  };
}

/**
 * Keeps indices valid for a run (another model may have fewer layers, heads or tokens, other attention sets): the
 * set is kept when the run has it, else the run's first; the layer, heads and pan are within that set's.
 */
export function clampToRun(state: UiState, s: RunSummary): UiState {
  const set = s.attentionSets.find((a) => a.name === state.set) ?? s.attentionSets[0];
  const { layers, heads } = set ?? s.model;
  const tokens = s.tokens.length;
  const targets = s.target?.tokens.length ?? 0;
  const keptHeads = state.heads.filter((h) => h < heads);
  const { queries: rows, keys: cols } = set ? setShape(s, set) : { queries: tokens, keys: tokens };
  return {
    ...state,
    set: set?.name ?? state.set,
    layer: Math.min(state.layer, Math.max(0, layers - 1)),
    heads: keptHeads.length ? keptHeads : [0],
    head: state.head === 'mean' || state.head < heads ? state.head : 'mean',
    selected: state.selected !== null && state.selected < tokens ? state.selected : null,
    targetSelected: state.targetSelected !== null && state.targetSelected < targets ? state.targetSelected : null,
    panX: Math.min(state.panX, Math.max(0, cols - 1)),
    panY: Math.min(state.panY, Math.max(0, rows - 1)),
    ablated: state.ablated.filter((h) => headInRun(h, s)),
  };
}
