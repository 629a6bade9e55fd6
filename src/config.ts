// The extension's settings, read fresh on every use so a change takes effect without a reload. In an
// untrusted workspace the settings that name models, hosts or folders ignore their workspace values: a
// repository must not be able to point the extension at a model file or a download host of its choosing.
import * as vscode from 'vscode';
import type { DeviceRequest } from './core/types';
import { DEFAULT_HUB_URL } from './core/hub/hubModel';
import { restrictedValue } from './trustPolicy';

export const SECTION = 'attentionLens';

/** Settings whose workspace values are ignored in an untrusted workspace (also declared in package.json). */
export const RESTRICTED_KEYS = ['maskedModel', 'causalModel', 'hubEndpoint', 'cacheFolder'] as const;
type RestrictedKey = (typeof RESTRICTED_KEYS)[number];

const DEVICES: readonly DeviceRequest[] = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

export interface LensConfig {
  maskedModel: string;
  causalModel: string;
  activeModel: 'masked' | 'causal';
  device: DeviceRequest;
  maxTokens: number;
  /** Encoder–decoder models: the most target tokens greedy generation writes. */
  maxNewTokens: number;
  topK: number;
  hubEndpoint: string;
  /** Empty: the extension's own storage folder. */
  cacheFolder: string;
  tokenBoundaries: boolean;
  /** Restricted settings whose workspace value was ignored because the workspace is not trusted. */
  ignoredForTrust: string[];
}

function clampInt(value: unknown, fallback: number, min: number, max: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : fallback;
  return Math.min(max, Math.max(min, n));
}

/** A restricted setting: the user's own value (or the default) when the workspace is untrusted. */
function readRestricted(cfg: vscode.WorkspaceConfiguration, key: RestrictedKey, fallback: string, ignored: string[]): string {
  const { value, ignored: wasIgnored } = restrictedValue(cfg.inspect<string>(key), vscode.workspace.isTrusted);
  if (wasIgnored) ignored.push(`${SECTION}.${key}`);
  return typeof value === 'string' ? value : fallback;
}

export function readConfig(): LensConfig {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const ignored: string[] = [];
  const device = cfg.get<string>('device', 'auto');
  return {
    maskedModel: readRestricted(cfg, 'maskedModel', 'default-masked', ignored).trim() || 'default-masked',
    causalModel: readRestricted(cfg, 'causalModel', 'default-causal', ignored).trim() || 'default-causal',
    activeModel: cfg.get<string>('activeModel') === 'causal' ? 'causal' : 'masked',
    device: (DEVICES as readonly string[]).includes(device) ? (device as DeviceRequest) : 'auto',
    maxTokens: clampInt(cfg.get('maxTokens'), 512, 2, 8192),
    maxNewTokens: clampInt(cfg.get('maxNewTokens'), 32, 1, 512),
    topK: clampInt(cfg.get('topK'), 5, 1, 50),
    hubEndpoint: readRestricted(cfg, 'hubEndpoint', DEFAULT_HUB_URL, ignored).trim() || DEFAULT_HUB_URL,
    cacheFolder: readRestricted(cfg, 'cacheFolder', '', ignored).trim(),
    tokenBoundaries: cfg.get<boolean>('tokenBoundaries', false) === true,
    ignoredForTrust: ignored,
  };
}

/** Fires with the affected keys (without the section prefix) when an Attention Lens setting changes. */
export function onDidChangeLensConfig(listener: (keys: Set<string>) => void): vscode.Disposable {
  const all = [
    'maskedModel',
    'causalModel',
    'activeModel',
    'device',
    'maxTokens',
    'maxNewTokens',
    'topK',
    'hubEndpoint',
    'cacheFolder',
    'tokenBoundaries',
  ];
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((event) => {
      const keys = new Set(all.filter((k) => event.affectsConfiguration(`${SECTION}.${k}`)));
      if (keys.size > 0) listener(keys);
    }),
    // Granting trust changes which values of the restricted settings apply.
    // Granting trust changes which values of the restricted settings apply ('trust' keeps a model pick).
    vscode.workspace.onDidGrantWorkspaceTrust(() => listener(new Set(['hubEndpoint', 'cacheFolder', 'trust']))),
  );
}
