// Validation of Hugging Face Hub model ids and revisions. Both end up in URLs and in cache folder names, so
// anything that could climb out of a folder or smuggle a path (.., slashes, backslashes, absolute paths) is
// refused here, before any request is made.
import { LensError } from '../types';

export interface HubModelId {
  owner: string;
  name: string;
  /** "owner/name" as given (validated). */
  id: string;
}

/** The Hub allows up to 96 characters per part; a little slack costs nothing. */
const MAX_PART = 96;
const PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkPart(part: string, what: string, raw: string): void {
  if (part.length === 0) throw invalid(raw, `the ${what} is empty`);
  if (part.length > MAX_PART) throw invalid(raw, `the ${what} is longer than ${MAX_PART} characters`);
  if (part.includes('..')) throw invalid(raw, '".." is not allowed');
  // The Hub forbids "--" too; it also keeps "models--owner--name" cache folder names unambiguous.
  if (part.includes('--')) throw invalid(raw, '"--" is not allowed');
  if (!PART.test(part)) {
    throw invalid(raw, `the ${what} may hold only letters, digits, "-", "_" and ".", and must start with a letter or digit`);
  }
  if (part.endsWith('.') || part.endsWith('-')) throw invalid(raw, `the ${what} may not end with "." or "-"`);
  if (part.toLowerCase().endsWith('.git')) throw invalid(raw, `the ${what} may not end with ".git"`);
}

function invalid(raw: string, why: string): LensError {
  const shown = raw.length > 120 ? `${raw.slice(0, 120)}…` : raw;
  return new LensError(`"${shown}" is not a valid Hugging Face model id (owner/name): ${why}.`, 'model-invalid');
}

/** Parses "owner/name". A bare "name" (legacy canonical models such as "gpt2") is refused: say the owner. */
export function parseModelId(raw: string): HubModelId {
  if (typeof raw !== 'string') throw new LensError('A model id must be text such as "Xenova/gpt2".', 'model-invalid');
  const id = raw.trim();
  if (id.length === 0) throw new LensError('The model id is empty; give one such as "Xenova/gpt2".', 'model-invalid');
  if (id.includes('\\')) throw invalid(id, 'backslashes are not allowed');
  if (id.startsWith('/') || /^[A-Za-z]:/.test(id)) throw invalid(id, 'it looks like a file path, not a model id');
  if (id.includes('..')) throw invalid(id, '".." is not allowed');
  if (/[\u0000-\u001f\u007f]/.test(id)) throw invalid(id, 'control characters are not allowed');
  const parts = id.split('/');
  if (parts.length !== 2) {
    throw invalid(id, parts.length === 1 ? 'it needs an owner, as in "Xenova/gpt2"' : 'it has more than one "/"');
  }
  checkPart(parts[0], 'owner', id);
  checkPart(parts[1], 'name', id);
  return { owner: parts[0], name: parts[1], id };
}

/** A 40-hex commit id; those are immutable, so a cache entry for one never goes stale. */
export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/**
 * Validates a revision: a branch, a tag or a commit. Branch names on the Hub may hold "/" (e.g. "refs/pr/1"),
 * but here a revision also names a cache folder, so only a conservative character set is allowed, no "..",
 * and no empty segments; "/" is kept out of folder names by cacheRevisionName().
 */
export function validateRevision(raw: string): string {
  const rev = typeof raw === 'string' ? raw.trim() : '';
  const bad = (why: string): LensError =>
    new LensError(`"${String(raw).slice(0, 80)}" is not a valid model revision: ${why}.`, 'model-invalid');
  if (rev.length === 0) throw bad('it is empty (use "main")');
  if (rev.length > 128) throw bad('it is longer than 128 characters');
  if (rev.includes('..')) throw bad('".." is not allowed');
  if (rev.includes('\\')) throw bad('backslashes are not allowed');
  if (!/^[A-Za-z0-9._/-]+$/.test(rev)) throw bad('only letters, digits, ".", "_", "-" and "/" are allowed');
  if (rev.startsWith('/') || rev.endsWith('/') || rev.includes('//')) throw bad('it has an empty path segment');
  if (rev.split('/').some((s) => s.startsWith('.') || s.startsWith('-'))) {
    throw bad('a segment may not start with "." or "-"');
  }
  return rev;
}

/** A single safe folder name for a revision ("refs/pr/1" → "refs--pr--1"). */
export function cacheRevisionName(revision: string): string {
  return validateRevision(revision).replace(/\//g, '--');
}
