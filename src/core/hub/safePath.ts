// Path helpers that make sure a joined path stays inside its root. Cache and install paths are built only from
// validated ids and from fixed relative names in our own code, and every join is checked anyway.
import path from 'node:path';
import { LensError } from '../types';

/** Resolves `parts` under `root` and throws unless the result is root itself or inside it. */
export function resolveInside(root: string, ...parts: string[]): string {
  const base = path.resolve(root);
  for (const p of parts) {
    if (p.includes('\0') || path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) {
      throw new LensError(`Refusing the path "${p}": it would leave ${base}.`, 'model-invalid');
    }
  }
  const full = path.resolve(base, ...parts);
  if (full !== base && !full.startsWith(base + path.sep)) {
    throw new LensError(`Refusing the path "${parts.join('/')}": it would leave ${base}.`, 'model-invalid');
  }
  return full;
}
