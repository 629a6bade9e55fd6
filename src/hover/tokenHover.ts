// Hover over an inspected token: the token, its id and span, and predictions (predictionsAt). It reads the current
// run; where the run may be asked for that one position masked, it asks the engine (worker thread), waiting only
// briefly: the hover is async and VS Code keeps the editor responsive meanwhile, and on a timeout it shows what is known.
// A source token of an encoder–decoder run has no predictions of its own: the hover says which target tokens attend
// to it most (cross-attention at the layer and head chosen in the views) and what the target is.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { predictionList, predictionsAt, tokenList, type AttentionSetView, type PredictionsAt, type PredictionView } from '../protocol';
import type { InspectController } from '../session/inspectController';
import { sameDocument, tokenAtOffset, type RunRecord } from '../session/runState';

const MASKED_TIMEOUT_MS = 2000;
const LAYER_TIMEOUT_MS = 2000;
const TOP_QUERIES = 5;

/** The layer and head the views last chose (the side view follows the inspector's unless told not to). */
export type ChosenHead = () => { layer: number; head: number | 'mean' } | undefined;

/** Escapes text for Markdown, showing whitespace the way the token views do. */
export function escapeMarkdown(text: string): string {
  const visible = text.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  return visible.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`) || '(empty)';
}

function predictionTable(title: string, top: PredictionView[]): string {
  if (top.length === 0) return `${title}: none\n`;
  const rows = top.map((p, i) => `| ${i + 1} | ${escapeMarkdown(p.token)} | ${(100 * p.probability).toFixed(1)}% |`);
  return `${title}\n\n| # | token | probability |\n|--:|:--|--:|\n${rows.join('\n')}\n`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, token: vscode.CancellationToken): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    const cancel = token.onCancellationRequested(() => resolve(undefined));
    promise
      .then(
        (value) => resolve(value),
        () => resolve(undefined),
      )
      .finally(() => {
        clearTimeout(timer);
        cancel.dispose();
      });
  });
}

export class TokenHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly controller: InspectController,
    private readonly chosen: ChosenHead = () => undefined,
  ) {}

  async provideHover(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.Hover | undefined> {
    const run = this.controller.current;
    if (!run || !sameDocument(run, document) || run.stale || run.target?.version !== document.version) return undefined;
    const index = tokenAtOffset(run, document.offsetAt(position));
    if (index === undefined) return undefined;
    const markdown = await this.describe(run, index, document, token);
    const t = run.summary.tokens[index];
    const base = run.target.baseOffset;
    return new vscode.Hover(markdown, new vscode.Range(document.positionAt(base + t.start), document.positionAt(base + t.end)));
  }

  private async describe(
    run: RunRecord,
    index: number,
    document: vscode.TextDocument,
    cancel: vscode.CancellationToken,
  ): Promise<vscode.MarkdownString> {
    const s = run.summary;
    const t = s.tokens[index];
    const base = run.target!.baseOffset;
    const from = document.positionAt(base + t.start);
    const to = document.positionAt(base + t.end);
    const span = `${from.line + 1}:${from.character + 1}–${to.line + 1}:${to.character + 1}`;
    let text = `**Attention Lens** · token ${index} **${escapeMarkdown(t.display)}** · id ${t.id} · span ${span}\n\n`;
    if (t.piece !== t.display) text += `vocabulary piece: ${escapeMarkdown(t.piece)}\n\n`;
    // The run's predictions index the input's tokens, or another list's (an encoder–decoder run's target).
    const cross = s.attentionSets.find((set) => set.keys === 'input' && set.queries !== 'input');
    if (predictionList(s) === 'input') {
      const at = predictionsAt(s, index, this.controller.runs.predictions(run.runId));
      if (at) text += await this.predictions(run, at, cancel);
    }
    if (cross) text += await this.attendedBy(run, cross, index, cancel);
    if (s.target) text += `${s.target.generated ? 'Generated target' : 'Given target'}: ${escapeMarkdown(s.target.text)}\n\n`;
    text +=
      `\n*${escapeMarkdown(path.isAbsolute(s.model.id) ? path.basename(s.model.id) : s.model.id)} ` +
      `on ${escapeMarkdown(s.device.label)}*`;
    const markdown = new vscode.MarkdownString(text);
    markdown.isTrusted = false;
    markdown.supportHtml = false;
    return markdown;
  }

  /** The tokens of the set's query list (the target) that attend most to this input token, at the chosen layer and head. */
  private async attendedBy(run: RunRecord, set: AttentionSetView, index: number, cancel: vscode.CancellationToken): Promise<string> {
    const chosen = this.chosen();
    const layerIndex = Math.min(chosen?.layer ?? 0, set.layers - 1);
    const head = chosen?.head === undefined || chosen.head === 'mean' || chosen.head >= set.heads ? 'mean' : chosen.head;
    const layer = await withTimeout(this.controller.queries.layer(run, set.name, layerIndex), LAYER_TIMEOUT_MS, cancel);
    const where = `${escapeMarkdown(set.label)}, layer ${layerIndex}, ${head === 'mean' ? 'mean of heads' : `head ${head}`}`;
    if (!layer) return `${where}: the attention is still being computed; hover again.\n\n`;
    const queries = tokenList(run.summary, set.queries);
    const weights = queries.map((_, q) => {
      if (head !== 'mean') return layer.data[(head * layer.queries + q) * layer.keys + index];
      let sum = 0;
      for (let h = 0; h < layer.heads; h++) sum += layer.data[(h * layer.queries + q) * layer.keys + index];
      return sum / layer.heads;
    });
    const top = weights
      .map((weight, q) => ({ weight, q }))
      .sort((a, b) => b.weight - a.weight || a.q - b.q)
      .slice(0, TOP_QUERIES);
    const rows = top.map((r) => `| ${r.q} | ${escapeMarkdown(queries[r.q].display || queries[r.q].piece)} | ${r.weight.toFixed(3)} |`);
    const table = `| # | ${set.queries} token | weight |\n|--:|:--|--:|\n${rows.join('\n')}`;
    return `${set.queries} tokens that attend to it most (${where}):\n\n${table}\n\n`;
  }

  private async predictions(run: RunRecord, at: PredictionsAt, cancel: vscode.CancellationToken): Promise<string> {
    if (at.fills) return predictionTable(`Top ${at.fills.length} fills for this mask token:`, at.fills);
    if (at.next) {
      const here = at.probabilityHere;
      const first = 'First token: the model gave it no probability (nothing precedes it).\n\n';
      const said = here == null ? first : `Probability the model gave to this token here: **${(100 * here).toFixed(2)}%**\n\n`;
      return said + predictionTable(`Top ${at.next.top.length} next tokens after it:`, at.next.top);
    }
    if (!at.maskedHere) return '';
    const masked = at.maskedHere.top ?? (await withTimeout(this.controller.queries.maskedAt(run, at.position), MASKED_TIMEOUT_MS, cancel));
    const mask = escapeMarkdown(run.summary.model.maskToken ?? 'mask');
    if (masked) return predictionTable(`Top ${masked.length} if this token is masked (${mask}):`, masked);
    // Without it, the unmasked ranking if a view already asked for it and it came.
    const unmasked = at.unmasked?.top;
    const still = 'the masked prediction is still being computed; hover again';
    if (unmasked) return predictionTable(`Top ${unmasked.length} at this position, unmasked (${still}):`, unmasked);
    return 'The masked prediction is still being computed; hover again.\n';
  }
}
