// Turns what a user names — an embedded model, a local folder, a Hub id — into a local folder in the Hub
// layout, downloading Hub models into the cache first.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bert } from '../families/bert';
import type { ModelFamily } from '../families/family';
import { gpt2 } from '../families/gpt2';
import { ensureHubModel, type HubProgress, type OnnxVariant } from '../hub/hubModel';
import { parseHubSpec } from '../hub/hubSpec';
import { variantFile } from '../hub/onnxVariants';
import { LensError, type ModelSource } from '../types';

/** Embedded models by alias; the folder names are the models' own names under models/. */
export const EMBEDDED_MODELS: Record<string, { folder: string; family: ModelFamily }> = {
  'default-masked': { folder: 'lens-bert-mini', family: bert },
  'default-causal': { folder: 'lens-gpt2-mini', family: gpt2 },
};

export interface ModelLocations {
  /** The folder holding the embedded models (the extension's models/). */
  embeddedDir: string;
  cacheDir: string;
  hubUrl: string;
}

export interface ResolvedModel {
  id: string;
  source: ModelSource;
  folder: string;
  onnxFile?: string;
}

export type ModelSpecKind =
  { source: 'embedded'; folder: string } | { source: 'local'; folder: string } | { source: 'hub'; id: string; variant?: OnnxVariant };

/** owner/name, optionally with an ONNX variant: owner/name:model_q4 (see hubSpec.ts). */
const HUB_ID = /^[^/\\\s]+\/[^/\\\s]+$/;

/** Decides what kind of name `spec` is, without touching the network. */
export function classifyModelSpec(spec: string, embeddedDir: string): ModelSpecKind {
  const trimmed = spec.trim();
  if (trimmed === '') throw new LensError('no model named', 'model-not-found');
  const alias = EMBEDDED_MODELS[trimmed];
  if (alias) return { source: 'embedded', folder: path.join(embeddedDir, alias.folder) };
  if (Object.values(EMBEDDED_MODELS).some((m) => m.folder === trimmed))
    return { source: 'embedded', folder: path.join(embeddedDir, trimmed) };
  const expanded = trimmed.startsWith('~/') ? path.join(os.homedir(), trimmed.slice(2)) : trimmed;
  if (path.isAbsolute(expanded) || /^\.\.?[/\\]/.test(expanded)) return { source: 'local', folder: path.resolve(expanded) };
  if (HUB_ID.test(trimmed)) return { source: 'hub', ...parseHubSpec(trimmed) };
  throw new LensError(
    `"${trimmed.slice(0, 80)}" is neither an embedded model (${Object.keys(EMBEDDED_MODELS).join(', ')}), a folder path (absolute or ` +
      `starting with ./), nor a Hub id (owner/name)`,
    'model-not-found',
  );
}

export interface ResolveOptions {
  revision?: string;
  onnxVariant?: OnnxVariant;
  signal?: AbortSignal;
  onProgress?: (progress: HubProgress) => void;
}

export async function resolveModel(spec: string, where: ModelLocations, options: ResolveOptions = {}): Promise<ResolvedModel> {
  const kind = classifyModelSpec(spec, where.embeddedDir);
  if (kind.source === 'hub') {
    if (kind.variant && options.onnxVariant && kind.variant !== options.onnxVariant) {
      throw new LensError(
        `"${spec.trim()}" names the ONNX variant ${kind.variant}, but ${options.onnxVariant} was asked for`,
        'model-invalid',
      );
    }
    const variant = kind.variant ?? options.onnxVariant ?? 'model';
    const folder = await ensureHubModel({
      modelId: kind.id,
      revision: options.revision,
      cacheDir: where.cacheDir,
      hubUrl: where.hubUrl,
      onnxVariant: variant,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    return { id: kind.id, source: 'hub', folder, onnxFile: variantFile(variant) };
  }
  const stat = await fs.stat(kind.folder).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new LensError(
      kind.source === 'embedded'
        ? `the embedded model is missing from ${kind.folder}; reinstall the extension`
        : `model folder not found: ${kind.folder}`,
      'model-not-found',
    );
  }
  return { id: kind.source === 'embedded' ? path.basename(kind.folder) : kind.folder, source: kind.source, folder: kind.folder };
}
