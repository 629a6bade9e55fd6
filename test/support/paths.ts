// Locations the tests share. Tests run from out/test/…, so paths are resolved from the repository root.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

function findRepoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) || dir.endsWith(`${path.sep}out`)) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRepoRoot();
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
export const fixtureModel = (name: string) => path.join(fixturesDir, 'models', name);
/** ../shared/reference beside the project (present on developer machines and in CI, not in a user's clone). */
export const sharedReferenceDir = path.resolve(repoRoot, '..', 'shared', 'reference');
