// Inspect Selection (or the current line when nothing is selected), Mask Token at Cursor (the current line
// with the word under the cursor replaced by the model's mask token — the document is not edited), Set Target
// (an encoder–decoder run's source again with a target the user gives), and the re-run used after a model or
// setting change and after the panel is restored.
import * as vscode from 'vscode';
import { LensError } from '../core/types';
import type { ModelManager } from '../models/modelManager';
import type { InspectorPanel } from '../panels/inspectorPanel';
import type { InspectController } from '../session/inspectController';
import type { RunRecord } from '../session/runState';
import { MAX_TARGET_CHARS } from '../protocol';

const LAST_TARGET_KEY = 'attentionLens.lastTarget';

interface SavedTarget {
  uri: string;
  start: number;
  end: number;
  text: string;
  note?: string;
  /** The decoder's given target (an encoder–decoder run), restored with it. */
  givenTarget?: string;
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

  private run(document: vscode.TextDocument, range: vscode.Range, note?: string, givenTarget?: string): Promise<RunRecord | undefined> {
    this.inspector.show();
    const text = document.getText(range);
    const saved: SavedTarget = {
      uri: document.uri.toString(),
      start: document.offsetAt(range.start),
      end: document.offsetAt(range.end),
      text,
      note,
      givenTarget,
    };
    void this.context.workspaceState.update(LAST_TARGET_KEY, saved);
    return this.controller.inspect({ text, document, range, note, givenTarget });
  }

  /**
   * Set Target: the current run's source again with the target typed into an input box (prefilled with the shown
   * one), or with `given` (host-side callers); an empty target goes back to generation.
   */
  async setTarget(given?: string): Promise<RunRecord | undefined> {
    const run = this.controller.current;
    try {
      if (!run) throw new LensError('Nothing to set a target for: inspect a selection with an encoder–decoder model first.', 'empty-input');
      const shown = this.checkTargetable(run);
      const target =
        given ??
        (await vscode.window.showInputBox({
          title: 'Attention Lens: Set Target',
          prompt: 'The decoder is fed exactly this target (teacher forcing). Leave it empty to let the model generate one.',
          value: shown.generated ? '' : shown.text,
          placeHolder: shown.generated ? `generated: ${shown.text}` : undefined,
          validateInput: (v) =>
            v.length > MAX_TARGET_CHARS ? `At most ${MAX_TARGET_CHARS.toLocaleString('en-US')} characters.` : undefined,
        }));
      if (target === undefined) return undefined;
      if (this.controller.current !== run)
        throw new LensError('Another run replaced this one meanwhile: set the target again.', 'cancelled');
      return await this.retarget(run, target.trim() === '' ? undefined : target);
    } catch (error) {
      this.controller.fail(error);
      return undefined;
    }
  }

  /**
   * The run's source again with this target (teacher forcing), or generating one (undefined): the text as the
   * document reads now, wherever edits moved it. Throws before starting anything when the run's model takes no target.
   */
  retarget(run: RunRecord, target: string | undefined): Promise<RunRecord | undefined> {
    this.checkTargetable(run);
    if (!run.target) {
      // Text that is not the document's (Mask Token at Cursor's copy): the same text again.
      this.inspector.show();
      return this.controller.inspect({ text: run.summary.text, note: run.note, givenTarget: target });
    }
    return this.rerunEdited(run, target);
  }

  /** The run's target; throws when its model has none (not an encoder–decoder model). */
  private checkTargetable(run: RunRecord): NonNullable<RunRecord['summary']['target']> {
    const { target, model } = run.summary;
    if (target) return target;
    throw new LensError(
      `A target is what an encoder–decoder model (T5, BART, Marian) writes; ${model.id} is a ${model.familyLabel}, which has none.`,
      'model-unsupported',
    );
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

  /**
   * Runs the current run's range again (after a model or setting change), if it still matches the document; a
   * given target is kept unless `keepTarget` is false (another model writes its own).
   */
  async rerunCurrent(keepTarget = true): Promise<RunRecord | undefined> {
    const run = this.controller.current;
    if (!run?.target || run.stale || !this.inspector.isOpen) return undefined;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === run.target!.uri.toString());
    if (!document || document.version !== run.target.version) return undefined;
    return this.run(document, run.target.range, run.note, keepTarget ? run.givenTarget : undefined);
  }

  /**
   * The stale run's one-click re-run: its text as the document reads now, wherever edits moved it, with `givenTarget`
   * (the run's own, or another; undefined: the model writes one — a parameter without default, since a default would
   * also replace an explicit undefined and keep the old target).
   */
  async rerunEdited(run: RunRecord, givenTarget: string | undefined): Promise<RunRecord | undefined> {
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
    return this.run(document, new vscode.Range(document.positionAt(start), document.positionAt(end)), run.note, givenTarget);
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
    return this.run(document, range, saved.note, typeof saved.givenTarget === 'string' ? saved.givenTarget : undefined);
  }
}
