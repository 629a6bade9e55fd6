// The Python that the project shows users (the committed notebooks' code cells, the README's and the walkthrough's
// python blocks) calls only what python/attention_lens.py defines: every `attention_lens.NAME` is in the module's
// __all__, every `run.NAME` an attribute of its Run class. The names are read from the module by Python itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/paths';
import { findPython } from '../support/python';

const NOTEBOOKS = path.join(repoRoot, 'test', 'integration', 'workspace');
const MARKDOWN = ['README.md', ...readdirSync(path.join(repoRoot, 'media', 'walkthrough')).map((f) => `media/walkthrough/${f}`)].filter(
  (f) => f.endsWith('.md'),
);

interface Snippet {
  where: string;
  code: string;
}

function notebookSnippets(): Snippet[] {
  return readdirSync(NOTEBOOKS)
    .filter((f) => f.endsWith('.ipynb'))
    .flatMap((f) => {
      const cells = JSON.parse(readFileSync(path.join(NOTEBOOKS, f), 'utf8')).cells as { cell_type: string; source: string[] | string }[];
      return cells
        .filter((c) => c.cell_type === 'code')
        .map((c, i) => ({ where: `${f}, code cell ${i}`, code: Array.isArray(c.source) ? c.source.join('') : c.source }));
    });
}

function markdownSnippets(): Snippet[] {
  return MARKDOWN.flatMap((f) =>
    [...readFileSync(path.join(repoRoot, f), 'utf8').matchAll(/^```python\n([\s\S]*?)^```/gm)].map((m, i) => ({
      where: `${f}, python block ${i}`,
      code: m[1],
    })),
  );
}

/** The module's public names and its Run's attributes, as Python sees them. */
function moduleNames(): { exported: Set<string>; run: Set<string> } {
  const script = 'import json, attention_lens as al; print(json.dumps([al.__all__, dir(al.Run)]))';
  const ran = spawnSync(findPython('numpy'), ['-c', script], { cwd: path.join(repoRoot, 'python'), encoding: 'utf8' });
  assert.equal(ran.status, 0, ran.stderr);
  const [exported, run] = JSON.parse(ran.stdout) as [string[], string[]];
  return { exported: new Set(exported), run: new Set(run) };
}

/** The attributes of `object` the code names, comments left out. */
const calls = (code: string, object: string) =>
  [...code.replace(/#.*$/gm, '').matchAll(new RegExp(`\\b${object}\\.(\\w+)`, 'g'))].map((m) => m[1]);

describe('Python shown to users calls what python/attention_lens.py defines', () => {
  const snippets = [...notebookSnippets(), ...markdownSnippets()];
  const names = moduleNames();

  it('finds the notebook and the documented snippets that use the module', () => {
    const using = snippets.filter((s) => calls(s.code, 'attention_lens').length > 0).map((s) => s.where);
    assert.ok(
      using.some((w) => w.startsWith('run-output.ipynb')),
      `the committed notebook calls the module: ${using.join('; ')}`,
    );
    assert.ok(using.some((w) => w.startsWith('README.md')) && using.some((w) => w.startsWith('media/walkthrough/runFile.md')));
  });

  for (const { where, code } of snippets) {
    it(`${where}: attention_lens.* and run.* name defined functions`, () => {
      for (const name of calls(code, 'attention_lens'))
        assert.ok(names.exported.has(name), `attention_lens.${name} is not one of ${[...names.exported].join(', ')}`);
      for (const name of calls(code, 'run')) assert.ok(names.run.has(name), `run.${name} is not an attribute of attention_lens.Run`);
    });
  }
});
