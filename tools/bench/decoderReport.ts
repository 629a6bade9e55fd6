// The large decoder's section of BENCHMARKS.md (between its own markers, so a `--only qwen` run rewrites it
// alone): the targets of issue 18 checked, each figure that could not be taken said so with its reason.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatBytes, formatMs, formatRatio, replaceBetweenMarkers, verdict } from './benchMath';
import type { DecoderShape } from './decoderModel';
import type { DecoderRow } from './decoderScenario';
import type { MachineInfo } from './machine';
import type { BenchDevice } from './options';
import type { ModelViewFigures } from './render';

export interface DecoderResults {
  machine: MachineInfo;
  device: BenchDevice;
  /** The model folder's name, e.g. qwen2.5-0.5b-shaped. */
  model: string;
  shape?: DecoderShape;
  rows: DecoderRow[];
  modelView: ModelViewFigures | string;
  /** Why nothing was measured (no model folder), when so. */
  missing?: string;
}

export const DECODER_TARGETS = { ratio: 1.15, memory: 1.5, viewMs: 150, modelViewMs: 250 };

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const NOT_MEASURED = 'not measured';
const orNot = (value: number | undefined, format: (v: number) => string) => (value === undefined ? '–' : format(value));

export function decoderTargetLines(r: DecoderResults): string[] {
  const t = DECODER_TARGETS;
  const lines: string[] = [];
  for (const row of r.rows) {
    const v = row.variant;
    // The reason once per variant; each figure it cost then just says "not measured".
    if (row.notMeasured) lines.push(`- – ${v}: ${NOT_MEASURED}: ${row.notMeasured}`);
    for (const s of row.speed) {
      const figure = s.ratio === undefined ? NOT_MEASURED : formatRatio(s.ratio);
      lines.push(
        `- ${verdict(s.ratio, t.ratio)} ${v}, ${s.tokens} tokens: inspect ÷ plain forward ${figure} (target ≤ ${t.ratio.toFixed(2)})`,
      );
    }
    const m = row.memory;
    if (m) {
      const figure = m.ratio === undefined ? NOT_MEASURED : `${formatRatio(m.ratio)} through the worker`;
      lines.push(
        `- ${verdict(m.ratio, t.memory)} ${v}, ${m.tokens} tokens: peak RSS ÷ plain session ${figure} (target ≤ ${t.memory.toFixed(2)})`,
      );
    }
    const at = row.viewTokens ?? Math.max(0, ...row.speed.map((s) => s.tokens));
    const views: [string, number | undefined][] = [
      ["the first view (layer 0's mean over heads fetched after the run)", row.firstViewMs],
      ['one more layer as the views show it (its mean over heads)', row.meanMs],
      ['one more layer, all its heads', row.layerMs],
      ['one head of one more layer', row.headMs],
    ];
    for (const [what, ms] of views) {
      const figure = ms === undefined ? NOT_MEASURED : formatMs(ms);
      lines.push(`- ${verdict(ms, t.viewMs)} ${v}, ${at} tokens: ${what}: ${figure} (target ≤ ${t.viewMs} ms)`);
    }
    if (row.floorMs !== undefined && row.layerMs !== undefined) {
      lines.push(
        `- ${v}, ${at} tokens: the floor of all heads of a layer (their scores product and Softmax alone, in a bare ` +
          `onnxruntime graph): ${formatMs(row.floorMs)}; the whole layer took ${formatRatio(row.layerMs / row.floorMs)} that`,
      );
    }
  }
  if (typeof r.modelView === 'string') lines.push(`- – model view: not measured (${r.modelView})`);
  else {
    const mv = r.modelView;
    lines.push(
      `- ${verdict(mv.modelViewWallMs, t.modelViewMs)} model view of ${mv.layers} × ${mv.heads} heads at ${mv.tokens} tokens: ` +
        `${formatMs(mv.modelViewMs)} drawing, ${formatMs(mv.modelViewWallMs)} overview message to painted frame ` +
        `(target ≤ ${t.modelViewMs} ms)`,
    );
  }
  return lines;
}

export function renderDecoderMarkdown(r: DecoderResults): string {
  const m = r.machine;
  const out: string[] = [];
  const load = m.loadAverages.map((l) => l.toFixed(1)).join(' → ');
  out.push(
    `Run ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${r.device === 'cuda' ? 'CUDA' : 'CPU'}: ${m.cpu}, ${m.cores} cores, ` +
      `${m.memoryGiB.toFixed(0)} GiB RAM; onnxruntime-node ${m.ort}; 1-minute load average ${load}.`,
  );
  if (r.missing) return [...out, '', `Not measured: ${r.missing}.`].join('\n');
  const s = r.shape;
  if (s) {
    out.push('');
    out.push(
      `Model \`${r.model}\`: ${s.layers} layers × ${s.heads} heads (${s.kvHeads} key/value heads, head_dim ${s.headDim}), ` +
        `d = ${s.hidden}, intermediate ${s.intermediate}, vocabulary ${s.vocab.toLocaleString('en-US')}, random weights.`,
    );
  }
  out.push('', '#### Targets', ...decoderTargetLines(r), '');
  out.push('#### The files: onnxruntime-node against numpy at 16 tokens (reference.json)');
  out.push(
    table(
      ['variant', 'file', 'size with external data', 'largest logit difference', 'top token agrees', 'load and run'],
      r.rows.map((row) => [
        row.variant,
        row.file,
        formatBytes(row.fileBytes),
        row.check ? row.check.maxDifference.toExponential(1) : 'no reference',
        row.check ? `${row.check.argmaxAgree} / ${row.check.tokens}` : '–',
        row.check ? formatMs(row.check.ms) : '–',
      ]),
    ),
  );
  out.push('', '#### Speed through the worker (medians; the ratio is the median of paired ratios)');
  out.push(
    table(
      ['variant', 'tokens', 'plain forward', 'inspect (worker)', '÷ forward'],
      r.rows.flatMap((row) =>
        row.speed.map((sp) => [
          row.variant,
          String(sp.tokens),
          formatMs(sp.plainMs),
          sp.inspectMs === undefined ? NOT_MEASURED : formatMs(sp.inspectMs),
          orNot(sp.ratio, formatRatio),
        ]),
      ),
    ),
  );
  out.push('', '#### After a run: the first view, the overview, one more layer; peak memory (one child process each)');
  out.push(
    table(
      [
        'variant',
        'tokens',
        'layer 0 mean (first view)',
        'overview (model view)',
        'one more layer: mean',
        'all heads',
        'floor of all heads',
        'one head',
        'plain session',
        'worker',
        '÷ plain',
      ],
      r.rows.map((row) => [
        row.variant,
        String(row.viewTokens ?? row.memory?.tokens ?? '–'),
        orNot(row.firstViewMs, formatMs),
        orNot(row.overviewMs, formatMs),
        orNot(row.meanMs, formatMs),
        orNot(row.layerMs, formatMs),
        orNot(row.floorMs, formatMs),
        orNot(row.headMs, formatMs),
        orNot(row.memory?.plainBytes, formatBytes),
        orNot(row.memory?.workerBytes, formatBytes),
        orNot(row.memory?.ratio, formatRatio),
      ]),
    ),
  );
  return out.join('\n');
}

export function writeDecoderSection(repoRoot: string, device: BenchDevice, markdown: string): string {
  const file = path.join(repoRoot, 'BENCHMARKS.md');
  const tag = device === 'cuda' ? 'bench-qwen-cuda' : 'bench-qwen';
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, replaceBetweenMarkers(before, `<!-- ${tag}:start -->`, `<!-- ${tag}:end -->`, markdown));
  return file;
}
