// A cross-process lock for one cache entry, so two VS Code windows (two extension hosts) downloading the same
// model do not write the same files at once. The lock is a file created with O_EXCL ('wx') holding the
// owner's pid, host and start time; the owner touches it while it works. A lock whose owner is gone (its pid
// no longer exists on this host) or that has not been touched for `staleMs` is broken. A caller that finds
// the lock taken waits until the owner's work is done (then reuses it) or the lock is free (then takes it).
import fsp from 'node:fs/promises';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { cancelledError } from './downloadErrors';

export interface LockOptions {
  signal?: AbortSignal;
  /** A lock untouched for this long is considered abandoned. Default 60 s. */
  staleMs?: number;
  /** How often a waiter looks again. Default 250 ms. */
  pollMs?: number;
}

export interface HeldLock {
  release(): Promise<void>;
}

interface LockInfo {
  pid: number;
  host: string;
  time: number;
  token: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelledError());
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(cancelledError());
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function tryCreate(lockPath: string, staleMs: number): Promise<HeldLock | undefined> {
  const info: LockInfo = { pid: process.pid, host: os.hostname(), time: Date.now(), token: randomBytes(8).toString('hex') };
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(lockPath, 'wx');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'EEXIST') return undefined;
    throw err;
  }
  try {
    await fh.writeFile(JSON.stringify(info));
  } finally {
    await fh.close();
  }
  // Touch the lock while we hold it so that a long download is never mistaken for an abandoned one.
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      fsp.utimes(lockPath, now, now).catch(() => undefined);
    },
    Math.max(50, Math.floor(staleMs / 4)),
  );
  heartbeat.unref();
  return {
    async release() {
      clearInterval(heartbeat);
      // Remove it only if it is still ours (it could have been broken as stale and re-taken meanwhile).
      const current = await readLock(lockPath);
      if (current?.token === info.token) await fsp.rm(lockPath, { force: true });
    },
  };
}

async function readLock(lockPath: string): Promise<LockInfo | undefined> {
  try {
    const parsed = JSON.parse(await fsp.readFile(lockPath, 'utf8')) as Partial<LockInfo>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.token === 'string') {
      return parsed as LockInfo;
    }
  } catch {
    /* missing, half-written or garbage: judged by its age alone */
  }
  return undefined;
}

/** Whether the lock at lockPath is abandoned; returns the raw text it was judged on. */
async function staleText(lockPath: string, staleMs: number): Promise<string | undefined> {
  let text: string;
  let mtime: number;
  try {
    text = await fsp.readFile(lockPath, 'utf8');
    mtime = (await fsp.stat(lockPath)).mtimeMs;
  } catch {
    return undefined; // gone already: the next round takes it
  }
  const info = await readLock(lockPath);
  const deadOwner = info !== undefined && info.host === os.hostname() && !pidAlive(info.pid);
  return deadOwner || Date.now() - mtime > staleMs ? text : undefined;
}

/**
 * Breaks a stale lock without a race against another waiter doing the same: the lock is moved aside with an
 * atomic rename; if what was moved is not the lock judged stale (someone re-took it in between), it is put back.
 */
async function breakStale(lockPath: string, judged: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fsp.rename(lockPath, aside);
  } catch {
    return;
  }
  const moved = await fsp.readFile(aside, 'utf8').catch(() => '');
  if (moved !== judged) await fsp.link(aside, lockPath).catch(() => undefined);
  await fsp.rm(aside, { force: true });
}

/**
 * Takes the lock, or waits for its owner. Resolves to a held lock when this caller must do the work, or to
 * null when `isDone()` reports that someone else finished it.
 */
export async function acquireOrWait(lockPath: string, isDone: () => Promise<boolean>, opts: LockOptions = {}): Promise<HeldLock | null> {
  const staleMs = opts.staleMs ?? 60_000;
  const pollMs = opts.pollMs ?? 250;
  for (;;) {
    if (opts.signal?.aborted) throw cancelledError();
    if (await isDone()) return null;
    const lock = await tryCreate(lockPath, staleMs);
    if (lock) {
      // The owner may have finished between our isDone() and our create.
      if (await isDone()) {
        await lock.release();
        return null;
      }
      return lock;
    }
    const judged = await staleText(lockPath, staleMs);
    if (judged !== undefined) {
      await breakStale(lockPath, judged);
      continue;
    }
    await sleep(pollMs, opts.signal);
  }
}
