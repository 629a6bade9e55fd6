// The surprisal settings (attentionLens.surprisal.*), read fresh on each scan.
import * as vscode from 'vscode';
import { MAX_SCAN_TOP_K } from '../core/surprisal/surprisalScan';

export interface SurprisalConfig {
  /** Tokens per window; undefined: the model's maximum. */
  window?: number;
  /** Tokens between window starts; undefined: half the window (each token then sees at least half a window). */
  stride?: number;
  /** Bits that get the hottest colour. */
  scaleBits: number;
  topK: number;
}

export function readSurprisalConfig(): SurprisalConfig {
  const cfg = vscode.workspace.getConfiguration('attentionLens');
  const positive = (key: string) => {
    const n = cfg.get<number>(key, 0);
    return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
  };
  const scale = cfg.get<number>('surprisal.scale', 16);
  return {
    window: positive('surprisal.window'),
    stride: positive('surprisal.stride'),
    scaleBits: typeof scale === 'number' && scale > 0 ? scale : 16,
    topK: Math.min(MAX_SCAN_TOP_K, positive('topK') ?? 5),
  };
}
