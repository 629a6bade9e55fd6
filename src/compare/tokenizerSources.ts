// Which tokenizers Compare Tokenizers shows: the loaded model's, the embedded WordPiece and byte-level BPE, and
// recently used models whose files are on disk (a Hub model not downloaded yet is left out: comparing must not
// start a download).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { hubModelFolder } from '../core/hub/hubModel';
import { classifyModelSpec, EMBEDDED_MODELS, type ModelLocations } from '../core/model/resolveModel';

export interface TokenizerSource {
  /** The model's name as the picker shows it; a local folder by its last segment (a full path crowds the table). */
  name: string;
  folder: string;
}

/** At most this many side by side: more rows than a panel beside the editor shows. */
export const MAX_COMPARED = 6;

function folderOf(spec: string, where: ModelLocations): string | undefined {
  try {
    const kind = classifyModelSpec(spec, where.embeddedDir);
    return kind.source === 'hub' ? hubModelFolder({ modelId: kind.id, cacheDir: where.cacheDir }) : kind.folder;
  } catch {
    return undefined;
  }
}

/** The loaded model first (when there is one), then the embedded ones, then recent ones; each folder once. */
export function tokenizerSources(loaded: TokenizerSource | undefined, recent: readonly string[], where: ModelLocations): TokenizerSource[] {
  const embedded = Object.values(EMBEDDED_MODELS).map((m) => ({ name: m.folder, folder: path.join(where.embeddedDir, m.folder) }));
  const recentSources = recent.flatMap((spec) => {
    const folder = folderOf(spec, where);
    return folder ? [{ name: spec, folder }] : [];
  });
  const out: TokenizerSource[] = [];
  for (const source of [...(loaded ? [loaded] : []), ...embedded, ...recentSources]) {
    const folder = path.resolve(source.folder);
    if (out.some((s) => s.folder === folder) || !existsSync(path.join(folder, 'tokenizer.json'))) continue;
    const local = path.isAbsolute(source.name) || /^\.\.?[/\\]/.test(source.name);
    out.push({ name: local ? path.basename(folder) : source.name, folder });
    if (out.length === MAX_COMPARED) break;
  }
  return out;
}
