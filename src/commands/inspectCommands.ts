// Inspect Selection (or the current line when nothing is selected), Mask Token at Cursor (the current line
// with the word under the cursor replaced by the model's mask token — the document is not edited), and the
// re-run used after a model or setting change and after the panel is restored.
import * as vscode from 'vscode';
import { LensError } from '../core/types';
import type { ModelManager } from '../models/modelManager';
import type { InspectorPanel } from '../panels/inspectorPanel';
import type { InspectController } from '../session/inspectController';
import type { RunRecord } from '../session/runState';

const LAST_TARGET_KEY = 'attentionLens.lastTarget';

interface SavedTarget {
  uri: string;
  start: number;
  end: number;
  text: string;
  note?: string;
}

export class InspectCommands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly controller: InspectController,
    private readonly models: ModelManager,
    private readonly inspector: InspectorPanel,
  ) {}

  async inspectSelection(): Promise<RunRecord | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      this.controller.fail(new LensError('Open a file and select text to inspect.', 'empty-input'));
      return undefined;
    }
    const { document, selection } = editor;
    let range: vscode.Range = selection;
    let note: string | undefined;
    if (selection.isEmpty) {
      const line = document.lineAt(selection.active.line);
      if (line.isEmptyOrWhitespace) {
        this.inspector.show();
        this.controller.fail(
          new LensError(`Nothing to inspect: no text is selected and line ${line.lineNumber + 1} is empty.`, 'empty-input'),
        );
        return undefined;
      }
      range = line.range;
      note = `No selection: inspected line ${line.lineNumber + 1}`;
      vscode.window.setStatusBarMessage(`Attention Lens: ${note}`, 5000);
    }
    return this.run(document, range, note);
  }

  private run(document: vscode.TextDocument, range: vscode.Range, note?: string, targetText?: string): Promise<RunRecord | undefined> {
    this.inspector.show();
    const text = document.getText(range);
    const saved: SavedTarget = {
      uri: document.uri.toString(),
      start: document.offsetAt(range.start),
      end: document.offsetAt(range.end),
      text,
      note,
    };
    void this.context.workspaceState.update(LAST_TARGET_KEY, saved);
    return this.controller.inspect({ text, document, range, note, ...(targetText !== undefined ? { targetText } : {}) });
  }

  /**
   * Runs the current encoder–decoder run's source again, holding the decoder to `given` (teacher forcing: "why this
   * translation and not mine"), or to what the user types, the current target to start from; empty: the model
   * writes its own again.
   */
  async setTarget(given?: string): Promise<RunRecord | undefined> {
    const run = this.controller.current;
    if (!run?.summary.target) {
      const message = 'Set Target needs a run of an encoder–decoder model (T5, BART, Marian): inspect a selection with one first.';
      this.controller.fail(new LensError(message, 'model-unsupported'));
      return undefined;
    }
    const typed =
      given ??
      (await vscode.window.showInputBox({
        title: 'Attention Lens: Target',
        prompt: 'The target the decoder reads (teacher forcing). Empty: the model writes its own.',
        value: run.summary.target.text,
      }));
    if (typed === undefined) return undefined;
    const targetText = typed === '' ? undefined : typed;
    const document = run.target && !run.stale ? this.unchangedDocument(run) : undefined;
    if (document) return this.run(document, run.target!.range, run.note, targetText);
    this.inspector.show();
    return this.controller.inspect({ text: run.summary.text, note: run.note, ...(targetText !== undefined ? { targetText } : {}) });
  }

  /** The open document a run read, when it is still the version the run read. */
  private unchangedDocument(run: RunRecord): vscode.TextDocument | undefined {
    const target = run.target!;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.uri.toString());
    return document?.version === target.version ? document : undefined;
  }

  async maskTokenAtCursor(): Promise<RunRecord | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      this.controller.fail(new LensError('Open a file and put the cursor on a word to mask.', 'empty-input'));
      return undefined;
    }
    const { document } = editor;
    const cursor = editor.selection.active;
    const word = editor.selection.isEmpty ? document.getWordRangeAtPosition(cursor) : editor.selection;
    if (!word || word.isEmpty || word.start.line !== word.end.line) {
      this.controller.fail(new LensError('Put the cursor on a word (or select a part of one line) to mask it.', 'empty-input'));
      return undefined;
    }
    let model;
    try {
      model = await this.models.ensureLoaded();
    } catch (error) {
      this.controller.fail(error);
      return undefined;
    }
    const { info } = model.reply;
    if (!info.capabilities.maskPosition || !info.maskToken) {
      const message =
        `Mask Token at Cursor needs a masked language model (BERT family); ${info.id} is a ${info.familyLabel}. Choose ` +
        `one with Select Model.`;
      this.controller.fail(new LensError(message, 'model-unsupported'));
      return undefined;
    }
    const line = document.lineAt(word.start.line);
    const before = line.text.slice(0, word.start.character);
    const after = line.text.slice(word.end.character);
    const original = document.getText(word);
    this.inspector.show();
    // The edited copy is not the document's text: the run has no editor target (no hover, no decorations).
    return this.controller.inspect({
      text: `${before}${info.maskToken}${after}`,
      note: `"${original}" masked on line ${line.lineNumber + 1}`,
    });
  }

  /** Runs the current run's range again (after a model or setting change), if it still matches the document. */
  async rerunCurrent(): Promise<RunRecord | undefined> {
    const run = this.controller.current;
    if (!run?.target || run.stale || !this.inspector.isOpen) return undefined;
    const document = this.unchangedDocument(run);
    if (!document) return undefined;
    return this.run(document, run.target.range, run.note);
  }

  /** The stale run's one-click re-run: its text as the document reads now, wherever edits moved it. */
  async rerunEdited(run: RunRecord): Promise<RunRecord | undefined> {
    const target = run.target;
    if (!target) return undefined;
    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(target.uri);
    } catch (error) {
      this.controller.fail(
        new LensError(`Cannot re-run: ${target.uri.fsPath} cannot be opened (${(error as Error).message}).`, 'empty-input'),
      );
      return undefined;
    }
    const { start, end } = target.now;
    if (end <= start) {
      this.controller.fail(new LensError('Cannot re-run: the inspected text was deleted. Select text and inspect again.', 'empty-input'));
      return undefined;
    }
    return this.run(document, new vscode.Range(document.positionAt(start), document.positionAt(end)), run.note);
  }

  /** After a reload restored the panel: run the last inspection again if its text is unchanged. */
  async rerunSaved(): Promise<RunRecord | undefined> {
    if (this.controller.current) return undefined;
    const saved = this.context.workspaceState.get<SavedTarget>(LAST_TARGET_KEY);
    if (!saved) return undefined;
    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(vscode.Uri.parse(saved.uri));
    } catch {
      return undefined;
    }
    const range = new vscode.Range(document.positionAt(saved.start), document.positionAt(saved.end));
    if (document.getText(range) !== saved.text) return undefined;
    return this.run(document, range, saved.note);
  }
}
