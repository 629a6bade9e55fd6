// Hover over an inspected token: the token, its id and span, and predictions. It reads the current run; for
// a masked LM it asks the engine (worker thread) for that one position masked, waiting only briefly: the
// hover is async and VS Code keeps the editor responsive meanwhile, and on a timeout it shows what is known.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PredictionView } from '../protocol';
import type { InspectController } from '../session/inspectController';
import { sameDocument, tokenAtOffset, type RunRecord } from '../session/runState';

const MASKED_TIMEOUT_MS = 2000;

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
    promise.then(
      (value) => resolve(value),
      () => resolve(undefined),
    ).finally(() => {
      clearTimeout(timer);
      cancel.dispose();
    });
  });
}

export class TokenHoverProvider implements vscode.HoverProvider {
  constructor(private readonly controller: InspectController) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const run = this.controller.current;
    if (!run || !sameDocument(run, document) || run.stale || run.target?.version !== document.version) return undefined;
    const index = tokenAtOffset(run, document.offsetAt(position));
    if (index === undefined) return undefined;
    const markdown = await this.describe(run, index, document, token);
    const t = run.summary.tokens[index];
    const base = run.target.baseOffset;
    return new vscode.Hover(markdown, new vscode.Range(document.positionAt(base + t.start), document.positionAt(base + t.end)));
  }

  private async describe(run: RunRecord, index: number, document: vscode.TextDocument, cancel: vscode.CancellationToken): Promise<vscode.MarkdownString> {
    const s = run.summary;
    const t = s.tokens[index];
    const base = run.target!.baseOffset;
    const from = document.positionAt(base + t.start);
    const to = document.positionAt(base + t.end);
    const span = `${from.line + 1}:${from.character + 1}–${to.line + 1}:${to.character + 1}`;
    let text = `**Attention Lens** · token ${index} **${escapeMarkdown(t.display)}** · id ${t.id} · span ${span}\n\n`;
    if (t.piece !== t.display) text += `vocabulary piece: ${escapeMarkdown(t.piece)}\n\n`;
    const maskFill = s.predictions.kind === 'masked' ? s.predictions.masks.find((m) => m.position === index) : undefined;
    if (maskFill) {
      text += predictionTable(`Top ${maskFill.top.length} fills for this mask token:`, maskFill.top);
    } else if (s.predictions.kind === 'masked') {
      const masked = await withTimeout(this.controller.maskedAt(run, index), MASKED_TIMEOUT_MS, cancel);
      // Without it, the unmasked ranking if a view already asked for it and it came.
      const unmasked = !masked && Array.isArray(run.unmasked) ? run.unmasked[index] : undefined;
      if (masked) {
        text += predictionTable(`Top ${masked.length} if this token is masked (${escapeMarkdown(s.model.maskToken ?? 'mask')}):`, masked);
      } else if (unmasked) {
        text += predictionTable(`Top ${unmasked.length} at this position, unmasked (the masked prediction is still being computed; hover again):`, unmasked);
      } else {
        text += 'The masked prediction is still being computed; hover again.\n';
      }
    } else {
      const k = s.predictions.next[index]?.length;
      const actual = s.predictions.actual[index];
      text += actual === null ? 'First token: the model gave it no probability (nothing precedes it).\n\n' : `Probability the model gave to this token here: **${(100 * actual).toFixed(2)}%**\n\n`;
      text += predictionTable(`Top ${k ?? 0} next tokens after it:`, s.predictions.next[index] ?? []);
    }
    text += `\n*${escapeMarkdown(path.isAbsolute(s.model.id) ? path.basename(s.model.id) : s.model.id)} on ${escapeMarkdown(s.device.label)}*`;
    const markdown = new vscode.MarkdownString(text);
    markdown.isTrusted = false;
    markdown.supportHtml = false;
    return markdown;
  }
}
