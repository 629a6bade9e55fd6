// The second step of choosing a Hub model: which ONNX file to download when the model offers several
// (onnx/model.onnx, model_fp16, model_q4, …), each with what it downloads. A spec that names its variant, a model
// with one variant, and a Hub that does not answer skip the step: the download then says what is missing.
import * as vscode from 'vscode';
import { formatBytes } from '../core/byteSize';
import { hubSpec, parseHubSpec } from '../core/hub/hubSpec';
import { listHubVariants, type HubVariant } from '../core/hub/hubVariants';

interface VariantItem extends vscode.QuickPickItem {
  variant: HubVariant;
}

/** What each variant is, as transformers.js names their dtypes. */
const DESCRIPTIONS: Record<string, string> = {
  model: 'fp32: the attention maps are the model’s own',
  model_fp16: 'fp16',
  model_int8: '8-bit weights (int8)',
  model_uint8: '8-bit weights (uint8)',
  model_quantized: '8-bit weights (quantized)',
  model_q4: '4-bit weights',
  model_q4f16: '4-bit weights, fp16',
  model_bnb4: '4-bit weights (bitsandbytes)',
};

function item(v: HubVariant): VariantItem {
  const size = v.bytes !== undefined ? formatBytes(v.bytes) : 'size unknown';
  const files = v.files > 1 ? ` in ${v.files} files` : '';
  return { label: `onnx/${v.variant}.onnx`, description: DESCRIPTIONS[v.variant], detail: `${size}${files}`, variant: v };
}

/** The spec to use: `spec` with the variant the user picks; undefined when they back out. */
export async function pickHubVariant(
  spec: string,
  hubUrl: string,
  log: (line: string) => void,
  onShow?: (picker: vscode.QuickPick<vscode.QuickPickItem>) => void,
): Promise<string | undefined> {
  const parsed = parseHubSpec(spec.trim());
  if (parsed.variant) return spec.trim();
  const picker = vscode.window.createQuickPick<VariantItem>();
  picker.title = `Attention Lens: ONNX file of ${parsed.id}`;
  picker.placeholder = 'Which ONNX export to download';
  picker.busy = true;
  const controller = new AbortController();
  // Escape while the list loads backs out too.
  const chosen = new Promise<VariantItem | undefined>((resolve) => {
    picker.onDidAccept(() => resolve(picker.selectedItems[0]));
    picker.onDidHide(() => {
      controller.abort();
      resolve(undefined);
    });
  });
  picker.show();
  onShow?.(picker);
  const variants = await listHubVariants(hubUrl, parsed.id, { signal: controller.signal }).catch((error: unknown) => {
    if (!controller.signal.aborted) log(`could not list the ONNX files of ${parsed.id}: ${(error as Error).message}`);
    return undefined;
  });
  if (controller.signal.aborted) {
    picker.dispose();
    return undefined;
  }
  if (!variants || variants.length <= 1) {
    picker.dispose();
    return hubSpec(parsed.id, variants?.[0]?.variant);
  }
  picker.items = variants.map(item);
  picker.busy = false;
  const picked = await chosen;
  picker.dispose();
  return picked && hubSpec(parsed.id, picked.variant.variant);
}
