// Default export file names that say what is inside: the model, then what the view shows, e.g.
// "lens-bert-mini_head-view_L3.png". Pure, so the unit tests check it without VS Code.
import { EXPORT_NAME, type ExportFormat } from '../protocol';

/** What the host-written files hold (the webview names its pictures itself). */
const REPORT_NAMES: Partial<Record<ExportFormat, string>> = { html: 'report', json: 'tokens-attention-predictions' };

/** A model id as a file-name part: a folder's last segment, a Hub id's "/" as "-", nothing a path could read. */
export function modelSlug(modelId: string): string {
  const looksLikePath = /^([A-Za-z]:)?[\\/]|^~[\\/]|^\.{1,2}[\\/]/.test(modelId);
  const base = looksLikePath
    ? (modelId
        .split(/[\\/]+/)
        .filter(Boolean)
        .pop() ?? '')
    : modelId;
  const slug = base
    .replace(/[^A-Za-z0-9_+.-]+/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 60);
  return slug || 'model';
}

/** The default name of an export; `shows` is the webview's name for a picture (ignored unless well-formed). */
export function exportFileName(modelId: string, format: ExportFormat, shows?: string): string {
  const what = shows !== undefined && EXPORT_NAME.test(shows) ? shows : (REPORT_NAMES[format] ?? 'view');
  return `${modelSlug(modelId)}_${what}.${format}`;
}
