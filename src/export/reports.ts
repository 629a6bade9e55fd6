// The files the host writes itself: a JSON of tokens, attention and predictions, and a self-contained HTML
// report (no script, no remote URL; the view's picture is embedded as a data: image, where SVG cannot run).
import { nestedRollout, type SetRollout } from '../core/analysis/rolloutSets';
import { nestedLayer } from '../core/engine/attentionLayout';
import type { AblationView } from '../protocol/ablation';
import type { AttentionMaps } from '../core/types';
import {
  maskFills,
  pairLine,
  predictionList,
  predictionsAt,
  ranksEveryPosition,
  sentenceOf,
  setShape,
  tokenList,
  type LogitLensView,
  type PredictionView,
  type RunSummary,
  type TokenListName,
} from '../protocol';
import type { RunRecord, SetMaps } from '../session/runState';

const LAYOUT = 'perLayer[layer][head][query][key]';

function perLayer(maps: AttentionMaps): number[][][][] {
  return maps.perLayer.map((_, l) => nestedLayer(maps, l));
}

/** One set as the JSON export writes it: the set's facts, then its maps (omitted where `attention` holds them). */
function setEntry({ set, maps }: SetMaps, withMaps: boolean): Record<string, unknown> {
  const { name, label, queries, keys, layers, heads, causal } = set;
  const entry = { name, label, queries, keys, layers, heads, causal, layout: LAYOUT };
  return withMaps ? { ...entry, perLayer: perLayer(maps) } : { ...entry, perLayerIn: 'attention.perLayer' };
}

/** What the panel computed for a run beyond its inspect, written into its JSON when present. */
export interface RunAnalyses {
  ablation?: AblationView;
  rollout?: SetRollout[];
  logitLens?: LogitLensView;
}

/**
 * The run as JSON; `sets` are its attention sets with their maps, fetched from the worker that keeps them,
 * `maskedAt` the rankings with one position masked asked for so far, and `unmasked` the top-k at every position
 * (ModelRunner.unmasked).
 */
export function jsonReport(
  run: RunRecord,
  sets: SetMaps[],
  maskedAt: ReadonlyMap<number, PredictionView[]> | undefined,
  unmasked: PredictionView[][] | undefined,
  { ablation, rollout = [], logitLens }: RunAnalyses = {},
): string {
  const s = run.summary;
  // A run of one set keeps /2's `attention` object, so scripts reading it do not break; its maps are written
  // there only, as writing them twice would double a file that is already the size of every map.
  const single = sets.length === 1 ? sets[0].maps : undefined;
  const report = {
    // 2: a masked LM's unmasked top-k moved from predictions.atPosition to unmaskedAtPosition.
    // 3: model.kind became model.family, familyLabel and task; predictions became {task, ranked, actual?} (ranked:
    //    each mask's fills, or the next-token top-k at every position); capabilities says what may be asked.
    //    Attention as named sets: attentionSets [{name, label, queries, keys (token lists), layers, heads, causal,
    //    perLayer[layer][head][query][key]}]; `attention` is kept for runs of one set (that set's perLayer is
    //    there, its entry says perLayerIn) and for runs without attention ({unavailable}); `target` is a second
    //    token list (encoder–decoder runs), absent otherwise. `pair`: a sentence-pair run's {sentenceBStart,
    //    segments (each token's segment id), segmentsFed (false: the model takes no token_type_ids)}, else null.
    format: 'attention-lens-run/3',
    text: s.text,
    stale: run.stale ?? null,
    model: { ...s.model, onnxFile: run.source.onnxFile },
    device: s.device,
    tokens: s.tokens,
    target: s.target,
    pair: s.pair ?? null,
    truncation: s.truncation ?? null,
    predictions: s.predictions,
    capabilities: s.capabilities,
    maskedAtPosition: Object.fromEntries(maskedAt ?? []),
    unmaskedAtPosition: unmasked ?? null,
    // The logit lens the panel computed for this run ({positions, final, next?, layers[layer][i]}), else null.
    logitLens: logitLens ?? null,
    attentionSets: sets.map((entry) => setEntry(entry, !single)),
    attention: single
      ? { layers: single.layers, heads: single.heads, tokens: single.queries, layout: LAYOUT, perLayer: perLayer(single) }
      : sets.length === 0
        ? { unavailable: s.attentionUnavailable ?? 'not computed' }
        : undefined,
    // Attention rollout R_l of each self-attention set (src/core/analysis/rollout.ts), by set name.
    ...(rollout.length > 0 ? { rollout: { layout: 'perLayer[layer][query][key]', sets: rolloutSets(rollout) } } : {}),
    timings: s.timings,
    // The heads ablated in the panel when the export was made, and each prediction's change; null: none.
    ablation: ablation ?? null,
  };
  return JSON.stringify(report, null, 1);
}

function rolloutSets(rollout: SetRollout[]): Record<string, number[][][]> {
  return Object.fromEntries(rollout.map((set) => [set.set, nestedRollout(set)]));
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function topList(top: PredictionView[] | undefined): string {
  return (top ?? []).map((p) => `${esc(p.token)} <small>${(100 * p.probability).toFixed(1)}%</small>`).join(', ');
}

const percent = (p: number | null | undefined) => (p == null ? '—' : `${(100 * p).toFixed(2)}%`);

/** A sentence-pair run's input tokens have a sentence and a segment id; other lists and runs have neither. */
const pairOf = (s: RunSummary, list: TokenListName) => (list === 'input' ? s.pair : undefined);

/**
 * One row per token of a list: its sentence and segment id in a pair run, and what predictionsAt says there, in
 * the columns the run's task has (see columnHeads), where the run's predictions index that list.
 */
function tokenRows(s: RunSummary, list: TokenListName, unmasked: PredictionView[][] | undefined): string {
  const predicted = predictionList(s) === list;
  const pair = pairOf(s, list);
  return tokenList(s, list)
    .map((t, i) => {
      const segment = pair ? `<td>${sentenceOf(pair, i)} · ${pair.segments[i]}</td>` : '';
      const at = predicted ? predictionsAt(s, i, { unmasked }) : undefined;
      const cells = !at
        ? ''
        : at.next
          ? `<td>${percent(at.probabilityHere)}</td><td>${topList(at.next.top)}</td>`
          : `<td>${topList(at.unmasked?.top)}</td>`;
      return (
        `<tr><td>${i}</td><td><code>${esc(t.display)}</code></td><td>${t.id}</td>` +
        `<td>${t.special ? 'special' : `${t.start}–${t.end}`}</td>${segment}${cells}</tr>`
      );
    })
    .join('\n');
}

function columnHeads(s: RunSummary, list: TokenListName): string {
  if (predictionList(s) !== list) return '';
  return ranksEveryPosition(s) ? '<th>p(token here)</th><th>top-k next</th>' : '<th>top-k at this position, unmasked</th>';
}

/** A table of one token list's tokens (and its predictions, where the run's index it). */
function tokenTable(s: RunSummary, list: TokenListName, unmasked: PredictionView[][] | undefined): string {
  return (
    `<table><thead><tr><th>#</th><th>token</th><th>id</th><th>span</th>${pairOf(s, list) ? '<th>sentence · segment</th>' : ''}` +
    `${columnHeads(s, list)}</tr></thead><tbody>\n` +
    `${tokenRows(s, list, unmasked)}\n</tbody></table>`
  );
}

/** An encoder–decoder run's target: its text, who wrote it, its tokens and the predictions over them. */
function targetSection(s: RunSummary, unmasked: PredictionView[][] | undefined): string {
  if (!s.target) return '';
  const who = s.target.generated ? 'generated by the model (greedy)' : 'given (teacher forcing)';
  return `<h2>Target, ${who}</h2><pre>${esc(s.target.text)}</pre>\n<h2>Target tokens</h2>\n${tokenTable(s, 'target', unmasked)}\n`;
}

/** The run's attention sets: which list attends to which, their size, and whether they are causal. */
function setsSection(s: RunSummary): string {
  if (s.attentionSets.length < 2) return '';
  const rows = s.attentionSets.map((set) => {
    const { queries, keys } = setShape(s, set);
    return (
      `<tr><td>${esc(set.name)}</td><td>${esc(set.label)}</td><td>${set.queries} × ${set.keys}</td><td>${queries} × ${keys}</td>` +
      `<td>${set.layers} × ${set.heads}</td><td>${set.causal ? 'yes' : 'no'}</td></tr>`
    );
  });
  return (
    `<h2>Attention sets</h2><table><thead><tr><th>set</th><th>label</th><th>queries × keys</th><th>size</th><th>layers × heads</th>` +
    `<th>causal</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table><p>Every map of every set is in the JSON export.</p>\n`
  );
}

/** The ablated heads and how each prediction moved, where the panel showed an ablation when the report was made. */
function ablationSection(view: AblationView | undefined): string {
  if (!view) return '';
  const how = view.mode === 'zero' ? 'context vectors zeroed' : 'context vectors replaced by their mean over positions';
  const cell = (p?: { probability: number; rank: number }) =>
    p ? `${percent(p.probability)} (rank ${p.rank})` : `below top ${view.candidates}`;
  const rows = view.positions.flatMap(({ position, changes }) =>
    changes.map((c) => `<tr><td>${position}</td><td>${esc(c.token)}</td><td>${cell(c.before)}</td><td>${cell(c.after)}</td></tr>`),
  );
  return (
    `<h2>Heads ablated</h2><p>${esc(view.ablated.join(', '))} (layer.head), ${how}.</p>` +
    `<table><thead><tr><th>position</th><th>token</th><th>without ablation</th><th>with</th></tr></thead>` +
    `<tbody>\n${rows.join('\n')}\n</tbody></table>\n`
  );
}

export function htmlReport(
  run: RunRecord,
  unmasked: PredictionView[][] | undefined,
  picture?: { mime: string; base64: string },
  ablation?: AblationView,
): string {
  const s = run.summary;
  const fills = maskFills(s);
  const masks =
    fills.length > 0
      ? `<h2>Masked positions</h2><ul>${fills.map((m) => `<li>token ${m.position}: ${topList(m.top)}</li>`).join('')}</ul>`
      : '';
  return (
    `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>Attention Lens report</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;background:#f4f4f4;padding:1em}img{max-width:100%;border:1px solid #ccc}
.stale{color:#a00;font-weight:bold}
</style></head><body>
<h1>Attention Lens</h1>
<p>${esc(s.model.id)} — ${esc(s.model.architecture)} (${esc(s.model.familyLabel)}, ${s.model.layers} layers × ${s.model.heads} heads, ` +
    `${esc(s.model.tokenizerKind)}) on ${esc(s.device.label)}${s.device.fallbackReason ? ` (${esc(s.device.fallbackReason)})` : ''}; ` +
    `${s.tokens.length} tokens in ${s.timings.totalMs.toFixed(0)} ms.</p>
${run.stale ? `<p class="stale">${esc(run.stale)}</p>` : ''}
${s.truncation ? `<p>${esc(s.truncation.message)}</p>` : ''}
${s.pair ? `<p class="pair">${esc(pairLine(s))}</p>` : ''}
<h2>${s.target ? 'Source' : 'Text'}</h2><pre>${esc(s.text)}</pre>
${targetSection(s, unmasked)}
${picture ? `<h2>View</h2><img alt="the inspector's view" src="data:${picture.mime};base64,${picture.base64}">` : ''}
${masks}
${ablationSection(ablation)}
<h2>${s.target ? 'Source tokens' : 'Tokens'}</h2>
${tokenTable(s, 'input', unmasked)}
${setsSection(s)}
${s.attentionUnavailable ? `<p>Attention not available: ${esc(s.attentionUnavailable)}</p>` : ''}
</body></html>
`
  );
}
