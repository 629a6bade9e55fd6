// Select Model: a QuickPick of the embedded models, the ones named in settings, recently used ones, and
// whatever is typed — a Hub id becomes "Use Hub model …", a path "Use folder …". Each row shows the model's
// one name (as the status bar and the panel show it), its kind, size and whether it is on disk.
import * as vscode from 'vscode';
import { EMBEDDED_MODELS } from '../core/model/resolveModel';
import { readConfig } from '../config';
import { describeModel, type ModelFacts } from './modelCatalog';
import type { ModelManager } from './modelManager';
import { canonicalSpec, modelName, typedModel } from './modelNames';
import { pickHubVariant } from './variantPicker';

/** owner/name, optionally :variant (checked when the download starts). */
const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+(:\w+)?$/;

interface PickItem extends vscode.QuickPickItem {
  spec?: string;
  action?: 'hub' | 'folder' | 'hint';
}

function itemFor(facts: ModelFacts, activeSpec: string, where: string): PickItem {
  const size = facts.size ? ` · ${facts.size}` : '';
  // Each fact once: an embedded model is "embedded", not "embedded · embedded"; a folder shows its path.
  const detail = [...new Set([where, facts.availability, facts.source === 'local' ? facts.spec : ''])].filter(Boolean).join(' · ');
  return {
    label: `${canonicalSpec(facts.spec) === canonicalSpec(activeSpec) ? '$(check) ' : ''}${modelName(facts.spec)}`,
    description: `${facts.kind}${size}`,
    detail,
    spec: facts.spec,
  };
}

/** The row for typed text, first and always shown (VS Code's filter would hide a label that differs from it). */
function typedItem(value: string, where: Parameters<typeof typedModel>[1], listed: PickItem[]): PickItem[] {
  const typed = typedModel(value, where);
  if (!typed) return [];
  // Text that finds a listed model needs no hint.
  if (typed.kind === 'hint' && listed.some((item) => item.spec && item.label.toLowerCase().includes(value.trim().toLowerCase()))) return [];
  const icon = { hub: '$(cloud-download)', folder: '$(folder)', hint: '$(info)' }[typed.kind];
  return [
    {
      label: `${icon} ${typed.label}`,
      detail: typed.detail,
      alwaysShow: true,
      action: typed.kind,
      spec: typed.kind === 'hint' ? undefined : typed.spec,
    },
  ];
}

/** Asks which model to use; returns the spec, or undefined when the user backs out. */
export async function pickModel(
  models: ModelManager,
  onShow?: (picker: vscode.QuickPick<vscode.QuickPickItem>) => void,
): Promise<string | undefined> {
  const config = readConfig();
  const where = models.locations(config);
  const active = models.active(config).spec;
  const picker = vscode.window.createQuickPick<PickItem>();
  picker.title = 'Attention Lens: Select Model';
  picker.placeholder = 'Pick a model, or type a Hub model id (owner/name) or a folder path';
  picker.busy = true;
  picker.show();
  onShow?.(picker);

  const groups: [string, string[]][] = [
    ['embedded', Object.keys(EMBEDDED_MODELS)],
    ['settings', [config.maskedModel, config.causalModel]],
    ['recently used', models.recent()],
  ];
  const seen = new Set<string>();
  const listed: PickItem[] = [];
  for (const [label, specs] of groups) {
    const fresh = specs.filter((s) => !seen.has(canonicalSpec(s)));
    if (fresh.length === 0) continue;
    fresh.forEach((s) => seen.add(canonicalSpec(s)));
    listed.push({ label, kind: vscode.QuickPickItemKind.Separator });
    const described = await Promise.all(fresh.map((s) => describeModel(s, where)));
    listed.push(...described.map((f) => itemFor(f, active, label === 'settings' ? 'from settings' : label)));
  }
  listed.push(
    { label: 'other', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(cloud-download) Enter a Hub model id…', detail: `downloads from ${config.hubEndpoint} into the cache`, action: 'hub' },
    {
      label: '$(folder-opened) Open a local model folder…',
      detail: 'a folder with config.json, tokenizer.json and an ONNX model',
      action: 'folder',
    },
  );
  const typedWhere = {
    embeddedDir: where.embeddedDir,
    hubUrl: where.hubUrl,
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
  };
  const show = (): void => {
    picker.items = [...typedItem(picker.value, typedWhere, listed), ...listed];
  };
  show();
  picker.busy = false;
  const typing = picker.onDidChangeValue(show);

  const chosen = await new Promise<PickItem | undefined>((resolve) => {
    picker.onDidAccept(() => {
      const item = picker.selectedItems[0];
      // A hint names nothing: the picker stays open for the text to be corrected.
      if (item?.action !== 'hint') resolve(item);
    });
    picker.onDidHide(() => resolve(undefined));
  });
  typing.dispose();
  picker.dispose();
  if (!chosen) return undefined;
  // A Hub model typed or entered: which of its ONNX files, when it offers several.
  const withVariant = (spec: string | undefined) => spec && pickHubVariant(spec, where.hubUrl, (line) => models.log.warn(line), onShow);
  if (chosen.spec) return chosen.action === 'hub' ? withVariant(chosen.spec) : chosen.spec;
  if (chosen.action === 'hub') {
    const id = await vscode.window.showInputBox({
      title: 'Attention Lens: Hub model id',
      prompt:
        'owner/name of a model with an ONNX export (onnx/model.onnx, or owner/name:model_q4 for onnx/model_q4.onnx), e.g. Xenova/gpt2',
      validateInput: (value) => (HUB_ID.test(value.trim()) ? undefined : 'Write owner/name or owner/name:variant'),
    });
    return withVariant(id);
  }
  const folders = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Use this model',
  });
  return folders?.[0]?.fsPath;
}
