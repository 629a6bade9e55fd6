// A suite's own fake Hub (test/support/fakeHub.ts) and cache folder, set as the extension's hubEndpoint and
// cacheFolder for the suite and removed after it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeHub } from '../support/fakeHub';
import { setSetting } from './surfaceHelpers';

export interface SuiteHub {
  hub: FakeHub;
  cacheDir: string;
}

/** Registers before/after hooks in the calling suite; the returned object is filled in by the before hook. */
export function useFakeHub(models: () => Record<string, Record<string, Buffer>>): SuiteHub {
  const state = {} as SuiteHub;
  before(async () => {
    state.hub = await FakeHub.start({ models: models(), maxLifetimeMs: 300_000 });
    state.cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'al-it-cache-'));
    await setSetting('hubEndpoint', state.hub.url);
    await setSetting('cacheFolder', state.cacheDir);
  });
  after(async () => {
    await setSetting('hubEndpoint', undefined);
    await setSetting('cacheFolder', undefined);
    await state.hub.close();
    fs.rmSync(state.cacheDir, { recursive: true, force: true });
  });
  return state;
}
