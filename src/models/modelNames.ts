// One name per model wherever it is shown (picker, status bar, panel): an embedded model by its own name
// (lens-bert-mini, never its settings alias default-masked), a folder by its last segment, a Hub model by its
// id. And what text typed into the model picker names. Pure (no vscode), so it is unit-tested in Node.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hubSpec } from '../core/hub/hubSpec';
import { classifyModelSpec, EMBEDDED_MODELS } from '../core/model/resolveModel';

/** The spec an embedded model is known by in settings, for either of its names; other specs as they are. */
export function canonicalSpec(spec: string): string {
  const trimmed = spec.trim();
  return Object.keys(EMBEDDED_MODELS).find((alias) => EMBEDDED_MODELS[alias].folder === trimmed) ?? trimmed;
}

/** The model's name as every view shows it (the same as the loaded model's id, shortened for folders). */
export function modelName(spec: string): string {
  const trimmed = spec.trim();
  const embedded = EMBEDDED_MODELS[trimmed];
  if (embedded) return embedded.folder;
  return path.isAbsolute(trimmed) ? path.basename(trimmed) : trimmed;
}

/** What typed text offers: a Hub model or a folder to use, or a hint when it names neither. */
export type TypedModel =
  { kind: 'hub' | 'folder'; spec: string; label: string; detail: string } | { kind: 'hint'; label: string; detail: string };

/**
 * What `typed` names, or undefined when there is nothing to offer beyond the listed entries (empty text, an
 * embedded model's name). A relative folder is taken from the workspace folder.
 */
export function typedModel(
  typed: string,
  where: { embeddedDir: string; hubUrl: string; workspaceFolder?: string },
): TypedModel | undefined {
  const value = typed.trim();
  if (!value) return undefined;
  let kind;
  try {
    kind = classifyModelSpec(value, where.embeddedDir);
  } catch (error) {
    // owner/name:variant with a variant that does not exist: say so, with the names there are.
    if (/^Unknown ONNX variant/.test((error as Error).message)) return { kind: 'hint', label: (error as Error).message, detail: value };
    return {
      kind: 'hint',
      label: `“${value}” is neither a Hub model id nor a folder`,
      detail: 'Type owner/name (e.g. Xenova/bert-base-uncased), or a folder path starting with /, ~/ or ./',
    };
  }
  if (kind.source === 'embedded') return undefined;
  if (kind.source === 'hub') {
    const spec = hubSpec(kind.id, kind.variant);
    return { kind: 'hub', spec, label: `Use Hub model ${spec}`, detail: `downloads from ${where.hubUrl} into the cache, once` };
  }
  const home = value.startsWith('~/') ? path.join(os.homedir(), value.slice(2)) : value;
  const folder = path.isAbsolute(home)
    ? path.normalize(home)
    : where.workspaceFolder
      ? path.resolve(where.workspaceFolder, home)
      : kind.folder;
  const exists = fs.existsSync(folder) && fs.statSync(folder).isDirectory();
  return {
    kind: 'folder',
    spec: folder,
    label: `Use folder ${folder}`,
    detail: exists ? 'a local model folder (config.json, tokenizer.json and an ONNX model)' : 'no such folder',
  };
}
