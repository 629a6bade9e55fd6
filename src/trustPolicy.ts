// Workspace Trust decisions, kept free of vscode so they can be unit-tested: which value of a restricted
// setting applies, and whether a model folder lies inside the (untrusted) workspace.
import * as path from 'node:path';

/** The parts of WorkspaceConfiguration.inspect() that decide a value. */
export interface InspectedSetting<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/**
 * The value a restricted setting takes: in a trusted workspace the usual precedence (folder > workspace >
 * user > default); in an untrusted one the workspace levels are skipped, and `ignored` says they were set.
 */
export function restrictedValue<T>(seen: InspectedSetting<T> | undefined, trusted: boolean): { value: T | undefined; ignored: boolean } {
  if (!seen) return { value: undefined, ignored: false };
  if (trusted) return { value: seen.workspaceFolderValue ?? seen.workspaceValue ?? seen.globalValue ?? seen.defaultValue, ignored: false };
  const ignored = seen.workspaceValue !== undefined || seen.workspaceFolderValue !== undefined;
  return { value: seen.globalValue ?? seen.defaultValue, ignored };
}

/** Whether `folder` is one of `roots` or lies below one (after resolving `..`). */
export function isInsideAny(folder: string, roots: readonly string[]): boolean {
  const resolved = path.resolve(folder);
  return roots.some((root) => {
    const rel = path.relative(path.resolve(root), resolved);
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
  });
}
