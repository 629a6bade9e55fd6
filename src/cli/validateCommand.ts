// `attention-lens validate FILE…`: checks run files against the schema (schema/attention-lens-run.schema.json) with
// the reader the extension uses. Prints "FILE: valid (…)" or one line per problem, "FILE: $.path: what is wrong";
// exits 0 when every file is valid, 1 otherwise. Loads no model.
import { promises as fs } from 'node:fs';
import { parseRunFile } from '../core/runFile/readRunFile';
import { MAX_RUN_FILE_BYTES, problemLines } from '../core/runFile/problems';
import { UsageError } from './args';

/** One file's verdict as lines, and whether it is valid. */
export async function validateFile(file: string): Promise<{ valid: boolean; lines: string[] }> {
  const stat = await fs.stat(file);
  if (stat.size > MAX_RUN_FILE_BYTES)
    return { valid: false, lines: [`${file}: is ${stat.size} bytes; at most ${MAX_RUN_FILE_BYTES} are read`] };
  const reading = parseRunFile(await fs.readFile(file, 'utf8'));
  if (!reading.ok) return { valid: false, lines: problemLines(reading.problems, reading.unlisted).map((line) => `${file}: ${line}`) };
  const s = reading.run.summary;
  const sets = s.attentionSets.map((set) => `${set.name} ${set.layers}×${set.heads}`).join(', ') || 'no attention';
  return { valid: true, lines: [`${file}: valid (${s.tokens.length} tokens; ${sets}; ${s.predictions.ranked.length} ranked positions)`] };
}

export async function validateCommand(args: string[]): Promise<number> {
  if (args.length === 0) throw new UsageError('validate needs a run file');
  let valid = true;
  for (const file of args) {
    const verdict = await validateFile(file).catch((error: Error) => ({
      valid: false,
      lines: [`${file}: ${error.message.split('\n')[0]}`],
    }));
    process.stdout.write(verdict.lines.join('\n') + '\n');
    valid &&= verdict.valid;
  }
  return valid ? 0 : 1;
}
