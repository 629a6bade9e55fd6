// Shared steps of the VS Code surface tests (commands, hover, models, reliability, restore): getting the test
// API, opening the sample workspace's files, selecting, and waiting for things the host does asynchronously.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  FromWebviewType,
  ToWebviewType,
  type Params,
  type PredictionView,
  type ReplyMessage,
  type RequestMethod,
  type ResultMessage,
  type RunSummary,
  type ToWebviewMessage,
} from '../../src/protocol';
import type { LensTestApi } from '../../src/testApi';

export const EXTENSION_ID = 'attention-lens.attention-lens';

export function extension(): vscode.Extension<LensTestApi | undefined> {
  const ext = vscode.extensions.getExtension<LensTestApi | undefined>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is loaded as the extension under development`);
  return ext;
}

export async function lensApi(): Promise<LensTestApi> {
  const api = await extension().activate();
  assert.ok(api, 'activate() returns the test API in development mode');
  return api;
}

type FixtureModel =
  | 'tiny-bert'
  | 'tiny-gpt2'
  | 'tiny-bert-nosoftmax'
  | 'tiny-gpt2-past'
  | 'tiny-llama'
  | 'tiny-llama-gqa'
  | 'tiny-gemma2-gqa'
  | 'tiny-roberta'
  | 'tiny-xlm-roberta'
  | 'tiny-albert'
  | 'tiny-t5'
  | 'tiny-marian';

export function fixtureModel(name: FixtureModel): string {
  return path.join(extension().extensionPath, 'test', 'fixtures', 'models', name);
}

export type Outcome = { ok: boolean; cancelled?: boolean; error?: string; detail?: string } | undefined;

export async function selectModel(spec: string): Promise<Outcome> {
  return vscode.commands.executeCommand<Outcome>('attentionLens.selectModel', { spec });
}

export async function useModel(spec: string): Promise<void> {
  const outcome = await selectModel(spec);
  assert.equal(outcome?.ok, true, `selecting ${spec}: ${JSON.stringify(outcome)}`);
}

/** Sets a user-level setting (undefined removes it) and lets the change listeners run. */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('attentionLens').update(key, value, vscode.ConfigurationTarget.Global);
  await sleep(50);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export async function openSample(file = 'sample.txt'): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the harness opens a workspace folder');
  const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, file));
  return vscode.window.showTextDocument(document, vscode.ViewColumn.One);
}

/** An untitled document with this text, shown in the first column. */
export async function openText(content: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ content, language: 'plaintext' });
  return vscode.window.showTextDocument(document, vscode.ViewColumn.One);
}

export function selectLine(editor: vscode.TextEditor, line: number): string {
  const text = editor.document.lineAt(line).text;
  editor.selection = new vscode.Selection(line, 0, line, text.length);
  return text;
}

/** Selects the first occurrence of `word` on `line`. */
export function selectWord(editor: vscode.TextEditor, line: number, word: string): vscode.Range {
  const at = editor.document.lineAt(line).text.indexOf(word);
  assert.ok(at >= 0, `"${word}" is on line ${line}`);
  const range = new vscode.Range(line, at, line, at + word.length);
  editor.selection = new vscode.Selection(range.start, range.end);
  return range;
}

export async function inspectNow(api: LensTestApi): Promise<RunSummary> {
  await vscode.commands.executeCommand('attentionLens.inspectSelection');
  await api.whenIdle();
  const result = api.lastResult();
  assert.ok(result, `a result is shown (status: ${JSON.stringify(api.status())})`);
  return result.summary;
}

/**
 * What the host posted to the panel since `mark` (an earlier api.panelPostCount()). An index into panelMessages()
 * would not do: the channel keeps only its last 400 messages, so after a long suite the array no longer grows.
 */
export function panelMessagesSince(api: LensTestApi, mark: number): ToWebviewMessage[] {
  const count = api.panelPostCount() - mark;
  return count > 0 ? api.panelMessages().slice(-count) : [];
}

/** Request ids of the suite's own panel requests: one counter, so no two tests' replies are ever confused. */
let nextPanelRequestId = 70_000;

/**
 * Sends a request as the panel's webview does and waits for the host's reply to it. `params` may be malformed on
 * purpose (the host must reject them).
 */
export async function askPanel<M extends RequestMethod>(
  api: LensTestApi,
  method: M,
  params: Params<M> | Record<string, unknown>,
): Promise<ReplyMessage<M>> {
  await api.panelReady();
  const requestId = nextPanelRequestId++;
  await api.sendFromWebview('panel', { type: FromWebviewType.Request, requestId, method, params });
  return waitFor(`the ${method} reply`, () =>
    api.panelMessages().find((m): m is ReplyMessage<M> => m.type === ToWebviewType.Reply && m.inReplyTo === requestId),
  );
}

/** A masked LM's top-k at every position of the run, asked for as the panel's predictions view asks for it. */
export async function unmaskedOf(api: LensTestApi, runId: number): Promise<PredictionView[][]> {
  const reply = await askPanel(api, 'unmasked', { runId });
  assert.ok(Array.isArray(reply.result), `an unmasked reply: ${JSON.stringify(reply)}`);
  return reply.result;
}

export function results(messages: ToWebviewMessage[]): RunSummary[] {
  return messages.filter((m): m is ResultMessage => m.type === 'result').map((m) => m.summary);
}

/** The text of every hover VS Code's hover providers give at a position. */
export async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

/** The run the inspector panel was last sent, once its webview is ready. */
export async function panelRun(api: LensTestApi, runId: number): Promise<RunSummary> {
  await api.panelReady();
  const sent = results(api.panelMessages()).filter((s) => s.runId === runId);
  assert.ok(sent.length > 0, `the panel was sent run ${runId}`);
  return sent[sent.length - 1];
}
