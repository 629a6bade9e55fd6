// Lines of at most 140 characters, for the source that neither ESLint's max-len nor Prettier reads: Python, CSS and
// shell scripts (by extension, or an extensionless file whose #! line names sh, bash or python). Prints file:line for
// each longer line and exits 1 when there is one. Characters are code points, as an editor's column counts them; a line
// with a URL may be longer (as ESLint's max-len is set up in eslint.config.mjs).
//   node tools/lint/longLines.mjs [path…]   (default: the whole tree, without what is built, installed or generated)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LIMIT = 140;
const EXTENSIONS = new Set(['.py', '.css', '.sh']);
const URL_IN_LINE = /[a-z][a-z0-9+.-]*:\/\/\S/i;
// Built, installed, downloaded or generated: never edited by hand.
const SKIP = new Set(['node_modules', '.git', 'dist', 'out', 'models', 'test/fixtures', '.cache', '.bench', 'test-results', '__pycache__']);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function isChecked(file) {
  const ext = path.extname(file);
  if (EXTENSIONS.has(ext)) return true;
  if (ext !== '') return false;
  const first = readFileSync(file, 'utf8').slice(0, 200).split('\n')[0];
  return /^#!.*\b(sh|bash|python3?)\b/.test(first);
}

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const relative = path.relative(root, full).split(path.sep).join('/');
    if (SKIP.has(entry.name) || SKIP.has(relative)) continue;
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile() && isChecked(full)) yield full;
  }
}

const args = process.argv.slice(2).map((p) => path.resolve(p));
const targets = args.length > 0 ? args : [root];
let long = 0;
let checked = 0;
for (const target of targets) {
  for (const file of statSync(target).isDirectory() ? files(target) : [target]) {
    checked++;
    const lines = readFileSync(file, 'utf8').split(/\r?\n/);
    lines.forEach((line, i) => {
      const length = [...line].length;
      if (length > LIMIT && !URL_IN_LINE.test(line)) {
        console.log(`${path.relative(process.cwd(), file)}:${i + 1}: ${length} characters (at most ${LIMIT})`);
        long++;
      }
    });
  }
}
console.log(`long lines (Python, CSS, shell): ${long} over ${LIMIT} characters in ${checked} files`);
process.exit(long > 0 ? 1 : 0);
