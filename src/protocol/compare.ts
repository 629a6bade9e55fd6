// The Compare Tokenizers view's messages and shapes: the host sends one comparison (the drawn part of the text and
// every tokenizer's tokens in it, with statistics of the whole text); the view asks to reveal a token's span or to
// export. Its own small protocol: it shares no run, request or attention with the inspector.
import { isCount, isObject } from './checks';
import { MAX_EXPORT_BYTES } from './validate';
import type { TokenView } from './shapes';

/** One tokenizer's figures over the whole compared text (see src/core/tokenize/compareTokenizers.ts). */
export interface TokenizerStatsView {
  /** Tokens that cover text (the template's [CLS], <s> … left out), and those the template adds. */
  tokens: number;
  added: number;
  /** Unknown pieces ([UNK], <unk>), byte-fallback pieces (<0xE2>), pieces of part of a character. */
  unknown: number;
  byteFallback: number;
  partialChar: number;
  charsPerToken: number;
  /** Its boundaries that not every other tokenizer has. */
  differingBoundaries: number;
}

/** A token as the inspector has it (span in the compared text; empty for the template's), and what is odd about it. */
export interface CompareTokenView extends Pick<TokenView, 'id' | 'piece' | 'display' | 'start' | 'end' | 'special' | 'partialChar'> {
  unknown: boolean;
  byteFallback: boolean;
}

export interface CompareRowView {
  name: string;
  /** The tokenizer algorithm, e.g. 'wordpiece', 'byte-bpe', 'sentencepiece-bpe'. */
  kind: string;
  stats: TokenizerStatsView;
  /** Its tokens that start within the drawn text (and the template's, which have no span). */
  tokens: CompareTokenView[];
}

export interface ComparisonView {
  /** Increases with every comparison; the view drops nothing by it, tests wait on it. */
  id: number;
  /** What was compared, e.g. "selection of notes.md" or "notes.md (whole file)". */
  source: string;
  /** The drawn part of the text, its beginning: whole lines up to a cap (a whole file is counted, not all drawn). */
  text: string;
  textLength: number;
  rows: CompareRowView[];
  /** Differing boundaries (UTF-16 offsets) within the drawn text, ascending, and how many in the whole text. */
  differing: number[];
  differingTotal: number;
}

export type ToCompareMessage =
  | { type: 'comparison'; comparison: ComparisonView }
  | { type: 'status'; state: 'running' | 'idle' | 'error'; message: string }
  /** Draw the comparison as a picture and send it back (exportRendered), as the inspector's renderExport. */
  | { type: 'renderExport'; requestId: number; format: 'png' | 'svg' };

export type CompareExportFormat = 'json' | 'html' | 'png' | 'svg';
const EXPORT_FORMATS: readonly unknown[] = ['json', 'html', 'png', 'svg'] satisfies CompareExportFormat[];

export type FromCompareMessage =
  | { type: 'ready' }
  /** Select a token's span in the editor: offsets into the compared text (the host checks them against it). */
  | { type: 'revealSpan'; start: number; end: number }
  | { type: 'export'; format: CompareExportFormat }
  /** The picture asked for by renderExport: PNG bytes or SVG text, or why there is none. */
  | { type: 'exportRendered'; requestId: number; format: 'png' | 'svg'; data: Uint8Array | string; error?: string };

/** Checks a message from the Compare Tokenizers webview: the typed message, or why it was rejected. */
export function parseFromCompareWebview(raw: unknown): { ok: true; message: FromCompareMessage } | { ok: false; reason: string } {
  if (!isObject(raw)) return { ok: false, reason: 'not an object' };
  switch (raw.type) {
    case 'ready':
      return { ok: true, message: { type: 'ready' } };
    case 'revealSpan':
      if (!isCount(raw.start) || !isCount(raw.end) || raw.end < raw.start) return { ok: false, reason: 'bad revealSpan fields' };
      return { ok: true, message: { type: 'revealSpan', start: raw.start, end: raw.end } };
    case 'export':
      if (!EXPORT_FORMATS.includes(raw.format)) return { ok: false, reason: 'bad export format' };
      return { ok: true, message: { type: 'export', format: raw.format as CompareExportFormat } };
    case 'exportRendered': {
      const { requestId, format, data, error } = raw;
      const size = typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : -1;
      if (!isCount(requestId) || (format !== 'png' && format !== 'svg') || size < 0 || size > MAX_EXPORT_BYTES)
        return { ok: false, reason: 'bad exportRendered fields' };
      if (error !== undefined && typeof error !== 'string') return { ok: false, reason: 'bad exportRendered error' };
      return {
        ok: true,
        message: { type: 'exportRendered', requestId, format, data: data as Uint8Array | string, error: error?.slice(0, 500) },
      };
    }
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(String(raw.type)).slice(0, 40)}` };
  }
}
