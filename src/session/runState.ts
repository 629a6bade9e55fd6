// What the host keeps of a run, and where it sits in the editor. Results live here, not in the webviews:
// a view that becomes visible again is sent them anew.
import * as vscode from 'vscode';
import type { AttentionMaps } from '../core/types';
import type { AttentionOverview, AttentionSetView, RunSummary } from '../protocol';
import type { RunSource } from './runEngine';
import { tokenIndexAt } from './tokenLookup';
import type { OffsetRange } from './trackedRange';

/** Where the inspected text lies in a document, as it was when the run started. */
export interface RunTarget {
  uri: vscode.Uri;
  version: number;
  /** Document offset of the text's first character: token spans are relative to it. */
  baseOffset: number;
  range: vscode.Range;
  /** The editor column the run came from: a token is revealed there when no editor shows the document. */
  column: vscode.ViewColumn;
  /** Document offsets of the same text as the document reads now, moved with every edit (see trackedRange). */
  now: OffsetRange;
}

/** One run, by its host run id (the webviews' runId is the same). What is derived from it later lives in the RunStore. */
export interface RunRecord {
  runId: number;
  summary: RunSummary;
  source: RunSource;
  /** Absent when the text is not the document's (e.g. Mask Token at Cursor runs on an edited copy). */
  target?: RunTarget;
  /** Set once the document changed under the result: the message says so. */
  stale?: string;
  /** A line for the status bar of the views, e.g. that the current line was inspected for want of a selection. */
  note?: string;
  /** The target the user gave an encoder–decoder model (teacher forcing); absent when the model generated it. */
  givenTarget?: string;
}

/** One attention set of a run with every layer of its maps (the JSON export). */
export interface SetMaps {
  set: AttentionSetView;
  maps: AttentionMaps;
}

export type RunEvent =
  | { kind: 'result'; run: RunRecord }
  | { kind: 'overview'; run: RunRecord; overview: AttentionOverview }
  | { kind: 'stale'; run: RunRecord }
  | { kind: 'status'; state: 'running' | 'idle' | 'error'; message: string };

/** The token whose span holds the document offset, for a run that is not stale. */
export function tokenAtOffset(run: RunRecord, documentOffset: number): number | undefined {
  if (!run.target || run.stale) return undefined;
  const offset = documentOffset - run.target.baseOffset;
  if (offset < 0 || offset > run.summary.text.length) return undefined;
  return tokenIndexAt(run.summary.tokens, offset);
}

/** The document range of a token's span. */
export function tokenRange(run: RunRecord, document: vscode.TextDocument, index: number): vscode.Range | undefined {
  const token = run.summary.tokens[index];
  if (!run.target || !token || token.end <= token.start) return undefined;
  const base = run.target.baseOffset;
  return new vscode.Range(document.positionAt(base + token.start), document.positionAt(base + token.end));
}

export function sameDocument(run: RunRecord | undefined, document: vscode.TextDocument): boolean {
  return run?.target !== undefined && run.target.uri.toString() === document.uri.toString();
}
