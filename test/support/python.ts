// The python3 the tests run python/attention_lens.py with: Debian's first, as a pyenv or venv python3 on PATH may
// lack the packages that test/harness/setup.sh installs from apt.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

/** A python3 that imports every module of `modules` (e.g. "numpy, torch"); fails the test with what was tried. */
export function findPython(modules: string): string {
  const candidates = [process.env.ATTENTION_LENS_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  const found = candidates.find((c) => spawnSync(c, ['-c', `import ${modules}`]).status === 0);
  assert.ok(found, `no python3 with ${modules} among ${candidates.join(', ')}: run test/harness/setup.sh`);
  return found;
}

/**
 * Writes runs of the project's tiny GPT-2, computed in PyTorch and turned into run files by python/attention_lens.py
 * (from_transformers), into `out`: python/test_attention_lens.py's PyTorch test does it. Returns the files' paths.
 */
export function writeTinyGpt2Runs(out: string, repoRoot: string): string[] {
  const ran = spawnSync(findPython('numpy, torch, onnx'), ['-m', 'unittest', 'test_attention_lens.TinyGpt2InPyTorch'], {
    cwd: path.join(repoRoot, 'python'),
    env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'tools'), ATTENTION_LENS_TEST_OUT: out },
    encoding: 'utf8',
    timeout: 240_000,
  });
  assert.equal(ran.status, 0, `the Python helper's PyTorch test failed:\n${ran.stdout}${ran.stderr}`);
  const files = readdirSync(out).filter((f) => /^tiny-gpt2-\d+\.attention\.json$/.test(f));
  assert.ok(files.length > 0, `no run file written in ${out}`);
  return files.sort().map((f) => path.join(out, f));
}
