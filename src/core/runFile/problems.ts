// What is wrong with a run file, one message per problem: where in the file (a JSON path such as
// $.tokens[3].id) and what is wrong there. Pure: the host, the CLI and the notebook renderer share it.

export interface RunFileProblem {
  /** Where in the file, e.g. "$.attentionSets[0].perLayer[2]". */
  path: string;
  message: string;
}

/** Problems listed at most: a file wrong everywhere says so in a screenful, not a million lines. */
export const MAX_PROBLEMS = 50;

/** The bounds of what a run file may hold, as webview messages are bounded (src/protocol/validate.ts). */
export const RUN_FILE_LIMITS = {
  /** Tokens in one list: 8× the longest context the extension runs by default. */
  tokens: 16_384,
  textChars: 1_000_000,
  /** A piece, a prediction's text, a label or a model fact. */
  shortChars: 256,
  layers: 256,
  heads: 256,
  sets: 8,
  /** Entries of one top-k list. */
  top: 100,
} as const;

/** Bytes of a run file read: past the JSON export's own largest (50 million weights at about 9 characters each). */
export const MAX_RUN_FILE_BYTES = 512 * 1024 * 1024;

export class Problems {
  readonly list: RunFileProblem[] = [];
  /** Problems found past MAX_PROBLEMS, counted only. */
  unlisted = 0;

  add(path: string, message: string): void {
    if (this.list.length < MAX_PROBLEMS) this.list.push({ path, message });
    else this.unlisted++;
  }

  get count(): number {
    return this.list.length + this.unlisted;
  }
}

/** The problems as lines, one per problem, and a last line counting those not listed. */
export function problemLines(problems: readonly RunFileProblem[], unlisted = 0): string[] {
  const lines = problems.map((p) => `${p.path}: ${p.message}`);
  return unlisted > 0 ? [...lines, `… and ${unlisted} more problem${unlisted === 1 ? '' : 's'}`] : lines;
}
