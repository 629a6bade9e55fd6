// The python3 the tests run python/attention_lens.py with: Debian's first, as a pyenv or venv python3 on PATH may
// lack the packages that test/harness/setup.sh installs from apt.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** A python3 that imports every module of `modules` (e.g. "numpy, torch"); fails the test with what was tried. */
export function findPython(modules: string): string {
  const candidates = [process.env.ATTENTION_LENS_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  const found = candidates.find((c) => spawnSync(c, ['-c', `import ${modules}`]).status === 0);
  assert.ok(found, `no python3 with ${modules} among ${candidates.join(', ')}: run test/harness/setup.sh`);
  return found;
}
