// Select Model: a QuickPick of the embedded models, the ones named in settings, recently used ones, and two
// ways to name another — a Hub id or a local folder. Each row shows kind, size and whether it is on disk.
import * as vscode from 'vscode';
import { EMBEDDED_MODELS } from '../core/model/resolveModel';
import { readConfig } from '../config';
import { describeModel, type ModelFacts } from './modelCatalog';
import type { ModelManager } from './modelManager';

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

interface PickItem extends vscode.QuickPickItem {
  spec?: string;
  action?: 'hub' | 'folder';
}

function itemFor(facts: ModelFacts, activeSpec: string, where: string): PickItem {
  const size = facts.size ? ` · ${facts.size}` : '';
  return {
    label: `${facts.spec === activeSpec ? '$(check) ' : ''}${facts.spec}`,
    description: `${facts.kind}${size}`,
    detail: `${where} · ${facts.availability}`,
    spec: facts.spec,
  };
}

/** Asks which model to use; returns the spec, or undefined when the user backs out. */
export async function pickModel(models: ModelManager): Promise<string | undefined> {
  const config = readConfig();
  const where = models.locations(config);
  const active = models.active(config).spec;
  const picker = vscode.window.createQuickPick<PickItem>();
  picker.title = 'Attention Lens: Select Model';
  picker.placeholder = 'Pick a model, or name a Hub model or a local folder';
  picker.busy = true;
  picker.show();

  const groups: [string, string[]][] = [
    ['embedded', Object.keys(EMBEDDED_MODELS)],
    ['settings', [config.maskedModel, config.causalModel].filter((s) => !(s in EMBEDDED_MODELS))],
    ['recently used', models.recent()],
  ];
  const seen = new Set<string>();
  const items: PickItem[] = [];
  for (const [label, specs] of groups) {
    const fresh = specs.filter((s) => !seen.has(s));
    if (fresh.length === 0) continue;
    fresh.forEach((s) => seen.add(s));
    items.push({ label, kind: vscode.QuickPickItemKind.Separator });
    const described = await Promise.all(fresh.map((s) => describeModel(s, where)));
    items.push(...described.map((f) => itemFor(f, active, label === 'settings' ? 'from settings' : label)));
  }
  items.push(
    { label: 'other', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(cloud-download) Enter a Hub model id…', detail: `downloads from ${config.hubEndpoint} into the cache`, action: 'hub' },
    { label: '$(folder-opened) Open a local model folder…', detail: 'a folder with config.json, tokenizer.json and an ONNX model', action: 'folder' },
  );
  picker.items = items;
  picker.busy = false;

  const chosen = await new Promise<PickItem | undefined>((resolve) => {
    picker.onDidAccept(() => resolve(picker.selectedItems[0]));
    picker.onDidHide(() => resolve(undefined));
  });
  picker.dispose();
  if (!chosen) return undefined;
  if (chosen.spec) return chosen.spec;
  if (chosen.action === 'hub') {
    return vscode.window.showInputBox({
      title: 'Attention Lens: Hub model id',
      prompt: 'owner/name of a model with an ONNX export (onnx/model.onnx), e.g. Xenova/bert-base-uncased',
      validateInput: (value) => (HUB_ID.test(value.trim()) ? undefined : 'Write owner/name'),
    });
  }
  const folders = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use this model' });
  return folders?.[0]?.fsPath;
}
