// The benchmark's child processes: this same bundle started again with a flag and a JSON spec, so that one
// measurement's memory (a 2 GB model's sessions, a 2,048-token run) is never held beside another's.
import { execFile } from 'node:child_process';

/** Runs `process.argv[1] flag spec` and resolves to its stdout; a failure says the child's last lines of stderr. */
export function runChild(flag: string, spec: unknown, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [process.argv[1], flag, JSON.stringify(spec)], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${what} failed: ${stderr.trim().split('\n').slice(-3).join(' | ') || error.message}`));
      else resolve(stdout);
    });
  });
}

/** The line a child prints its JSON result on, and how the parent finds it. */
const RESULT_PREFIX = 'result=';
export const printResult = (value: unknown) => process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(value)}\n`);
export function parseResult<T>(stdout: string, what: string): T {
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) throw new Error(`${what} printed no result: ${stdout.slice(0, 200)}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as T;
}
