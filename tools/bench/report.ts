// The benchmark's Markdown: the tables, the targets checked, and the machine. BENCHMARKS.md keeps its prose;
// only the part between the markers is rewritten (CPU and CUDA runs have their own markers).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { forwardFlops, formatBytes, formatMs, formatRatio, replaceBetweenMarkers, verdict } from './benchMath';
import type { FloorRow } from './floor';
import type { FreshMemoryRow } from './freshMemory';
import type { LoadRow } from './load';
import type { MachineInfo } from './machine';
import type { MemoryRow } from './memory';
import type { BenchDevice } from './options';
import type { SpeedRow } from './speed';
import type { StallRow } from './stall';
import type { TestModelRow } from './testModels';
import type { BytesRow } from './webviewBytes';
import type { BenchModel } from './workload';

export interface RenderFigures {
  modelViewMs: number;
  modelViewWallMs: number;
  hoverUpdateMs: number;
  /** Head view hover with all heads overlaid (the worst case), when renderBench reports it. */
  hoverAllHeadsMs?: number;
  matrixHoverMs: number;
}

export interface BenchResults {
  machine: MachineInfo;
  device: BenchDevice;
  /** The provider the core's session actually ran on, per model (e.g. "CPU"). */
  ranOn: string[];
  quick: boolean;
  models: BenchModel[];
  tjsWhat: Record<string, string>;
  speed: SpeedRow[];
  stall: StallRow[];
  memory: MemoryRow[];
  load: LoadRow[];
  bytes: BytesRow[];
  render: RenderFigures | string;
  floor: FloorRow;
  freshMemory?: FreshMemoryRow;
  testModels: TestModelRow[];
  notes: string[];
}

const TARGETS = {
  ratio128: 1.1,
  ratio512: 1.15,
  overTjs: 1.0,
  stallMs: 50,
  memory: 1.5,
  modelViewMs: 250,
  hoverMs: 16,
};

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function speedTable(r: BenchResults): string {
  const rows = r.speed.map((s) => [
    s.model,
    String(s.tokens),
    formatMs(s.plainMs),
    formatMs(s.inspectMs),
    `**${formatRatio(s.inspectOverPlain)}**`,
    s.workerMs === undefined ? 'n/a' : formatMs(s.workerMs),
    s.workerPlainMs === undefined ? 'n/a' : formatMs(s.workerPlainMs),
    s.workerOverPlain === undefined ? 'n/a' : `**${formatRatio(s.workerOverPlain)}**`,
    s.workerOverviewMs === undefined ? 'n/a' : formatMs(s.workerOverviewMs),
    formatRatio(s.noAttentionOverPlain),
    s.tjsMs === undefined ? 'n/a' : formatMs(s.tjsMs),
    s.inspectOverTjs === undefined ? 'n/a' : `**${formatRatio(s.inspectOverTjs)}**`,
    s.workerOverTjs === undefined ? 'n/a' : `**${formatRatio(s.workerOverTjs)}**`,
    formatMs(s.inspectRunMs),
    formatBytes(s.attentionBytes),
  ]);
  return table(
    [
      'model',
      'tokens',
      'plain forward',
      'inspect (in-process)',
      '÷ forward',
      'host run (worker)',
      'its plain forward',
      '÷ forward',
      'then the overview',
      'no-attention inspect ÷ forward',
      'transformers.js',
      'inspect ÷ t.js',
      'host run ÷ t.js',
      'session.run inside inspect',
      'maps returned',
    ],
    rows,
  );
}

function floorTable(r: BenchResults): string {
  const rows = r.speed.map((s) => {
    const model = r.models.find((m) => m.label === s.model)!;
    const flops = forwardFlops(model.shape, s.tokens).total;
    const floorMs = (flops / r.floor.rate) * 1000;
    return [
      s.model,
      String(s.tokens),
      (flops / 1e9).toFixed(1),
      formatMs(floorMs),
      formatMs(s.plainMs),
      formatRatio(s.plainMs / floorMs),
      formatRatio(s.inspectMs / floorMs),
    ];
  });
  return table(['model', 'tokens', 'GFLOP per forward', 'floor', 'plain forward', 'forward ÷ floor', 'inspect ÷ floor'], rows);
}

function targetLines(r: BenchResults): string[] {
  const lines: string[] = [];
  for (const s of r.speed) {
    const limit = s.tokens <= 128 ? TARGETS.ratio128 : TARGETS.ratio512;
    if (s.tokens === 128 || s.tokens === 512) {
      lines.push(
        `- ${verdict(s.inspectOverPlain, limit)} ${s.model}, ${s.tokens} tokens: inspect ÷ forward ${formatRatio(s.inspectOverPlain)} ` +
          `in-process, ${s.workerOverPlain === undefined ? 'not measured' : formatRatio(s.workerOverPlain)} through the ` +
          `worker ${s.workerOverPlain === undefined ? '–' : verdict(s.workerOverPlain, limit)} (target ≤ ${limit.toFixed(2)})`,
      );
    }
    if (s.inspectOverTjs !== undefined && s.model.startsWith('BERT')) {
      const worker =
        s.workerOverTjs === undefined
          ? 'not measured through the worker'
          : `${formatRatio(s.workerOverTjs)} through the worker ${verdict(s.workerOverTjs, TARGETS.overTjs)}`;
      const agree =
        s.fillsMaxDifference === undefined
          ? ''
          : `; the same top-k fills as fill-mask's, in order, ` +
            `${s.fillsMaxDifference === 0 ? 'with equal probabilities' : `probabilities within ${s.fillsMaxDifference.toExponential(0)}`}`;
      lines.push(
        `- ${verdict(s.inspectOverTjs, TARGETS.overTjs)} ${s.model}, ${s.tokens} tokens: inspect ÷ transformers.js ` +
          `fill-mask ${formatRatio(s.inspectOverTjs)} in-process, ${worker} (target ≤ 1.00)${agree}`,
      );
    }
  }
  for (const s of r.stall) {
    lines.push(
      `- ${verdict(s.workerInspectMs, TARGETS.stallMs)} ${s.model}, ${s.tokens} tokens: longest event-loop stall awaiting the ` +
        `worker ${formatMs(s.workerInspectMs)} (in-thread: ${formatMs(s.inThreadInspectMs)}; an idle await on this ` +
        `machine: ${formatMs(s.idleMs)}) (target ≤ 50 ms)`,
    );
  }
  for (const m of r.memory) {
    lines.push(
      `- ${verdict(m.workerRatio, TARGETS.memory)} ${m.model}, ${m.tokens} tokens: peak RSS ÷ plain ` +
        `session ${formatRatio(m.workerRatio)} with the worker, ${formatRatio(m.inspectRatio)} in-process (target ≤ 1.50)`,
    );
  }
  if (typeof r.render === 'string') lines.push(`- – webview render: not measured (${r.render})`);
  else {
    lines.push(
      `- ${verdict(r.render.modelViewMs, TARGETS.modelViewMs)} model view at 512 tokens: ${formatMs(r.render.modelViewMs)} ` +
        `drawing, ${formatMs(r.render.modelViewWallMs)} message to painted ` +
        `frame ${verdict(r.render.modelViewWallMs, TARGETS.modelViewMs)} (target ≤ 250 ms)`,
    );
    const allHeads =
      r.render.hoverAllHeadsMs === undefined
        ? ''
        : `, all heads overlaid ${formatMs(r.render.hoverAllHeadsMs)} ${verdict(r.render.hoverAllHeadsMs, TARGETS.hoverMs)}`;
    lines.push(
      `- ${verdict(r.render.hoverUpdateMs, TARGETS.hoverMs)} hover update: head view ${formatMs(r.render.hoverUpdateMs)}${allHeads}, ` +
        `matrix view ${formatMs(r.render.matrixHoverMs)} ${verdict(r.render.matrixHoverMs, TARGETS.hoverMs)} (target ≤ 16 ms)`,
    );
  }
  return lines;
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(
    `Run ${m.date.slice(0, 16).replace('T', ' ')} UTC${r.quick ? ' (quick run: fewer repeats, 128 tokens only)' : ''} ` +
      `on ${r.device === 'cuda' ? 'CUDA' : 'CPU'} (sessions ran on: ${[...new Set(r.ranOn)].join(', ')}).`,
  );
  out.push('');
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(0)} GiB RAM, ${m.platform}; Node ${m.node}, onnxruntime-node ${m.ort}, ` +
      `@huggingface/transformers ${m.transformers}. ` +
      `1-minute load average ${m.loadAverages.map((l) => l.toFixed(1)).join(' → ')} (the machine is shared; ratios are of interleaved ` +
      `runs, absolute times move with the load).`,
  );
  out.push('');
  out.push('### Targets');
  out.push(...targetLines(r));
  out.push('');
  out.push('### 0. The test models (test/fixtures/models): a plain forward pass and a run with every attention map, in-process');
  out.push(
    table(
      ['model', 'tokens', 'plain forward', 'inspect with every map', '÷ forward'],
      r.testModels.map((t) => [t.model, String(t.tokens), formatMs(t.plainMs), formatMs(t.inspectMs), formatRatio(t.ratio)]),
    ),
  );
  out.push('');
  out.push('### 1–2. Speed: inspect ÷ plain forward pass ÷ transformers.js (medians; ratios are medians of per-repeat ratios)');
  out.push(speedTable(r));
  out.push('');
  out.push(
    `transformers.js: ${Object.entries(r.tjsWhat)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')}.`,
  );
  if (r.freshMemory) {
    const f = r.freshMemory;
    out.push('');
    out.push(
      `Copying ${f.buffers} buffers of ${formatBytes(f.bytesEach)} (one 512-token BERT-base run's maps) into new buffers, as ` +
        `onnxruntime-node does with every output: ${formatMs(f.freshMs)} and ${f.faults.toLocaleString('en-US')} page faults; into ` +
        `buffers already written once: ${formatMs(f.reusedMs)}.`,
    );
  }
  out.push('');
  out.push('### 3. Longest event-loop stall of the calling thread (median of repeats)');
  out.push(
    table(
      [
        'model',
        'tokens',
        'inspect via worker',
        'inspect in-thread',
        'idle await of the same length (scheduler)',
        'load via worker',
        'load in-thread',
      ],
      r.stall.map((s) => [
        s.model,
        String(s.tokens),
        formatMs(s.workerInspectMs),
        formatMs(s.inThreadInspectMs),
        formatMs(s.idleMs),
        s.workerLoadMs === undefined ? '–' : formatMs(s.workerLoadMs),
        s.inThreadLoadMs === undefined ? '–' : formatMs(s.inThreadLoadMs),
      ]),
    ),
  );
  out.push('');
  out.push('### 4. Peak resident memory (the lower of two child processes per configuration)');
  out.push(
    table(
      ['model', 'tokens', 'plain session', 'core in-process', '÷ plain', 'core via worker', '÷ plain'],
      r.memory.map((x) => [
        x.model,
        String(x.tokens),
        formatBytes(x.plainBytes),
        formatBytes(x.inspectBytes),
        formatRatio(x.inspectRatio),
        formatBytes(x.workerBytes),
        `**${formatRatio(x.workerRatio)}**`,
      ]),
    ),
  );
  out.push('');
  out.push('### 5. Model load');
  out.push(
    table(
      [
        'model',
        'ONNX file',
        'plain session from file',
        'core load (all steps)',
        '÷ plain',
        'read skeleton',
        'scan',
        'patch',
        'session from patched skeleton',
      ],
      r.load.map((l) => [
        l.model,
        formatBytes(l.onnxBytes),
        formatMs(l.plainMs),
        formatMs(l.coreMs),
        formatRatio(l.ratio),
        formatMs(l.readMs),
        formatMs(l.scanMs),
        formatMs(l.patchMs),
        formatMs(l.createPatchedMs),
      ]),
    ),
  );
  out.push('');
  out.push('### 6. Webview: bytes per run and render time');
  out.push(
    table(
      [
        'model',
        'tokens',
        'Result (RunSummary JSON)',
        'Overview (Float32Array)',
        'one layer (matrix view)',
        'sent per run',
        'all maps (not sent)',
      ],
      r.bytes.map((b) => [
        b.model,
        String(b.tokens),
        formatBytes(b.summaryJsonBytes),
        formatBytes(b.overviewBytes),
        formatBytes(b.layerBytes),
        formatBytes(b.totalBytes),
        formatBytes(b.allMapsBytes),
      ]),
    ),
  );
  out.push('');
  if (typeof r.render === 'string') out.push(`Render times: not measured (${r.render}).`);
  else {
    out.push(
      table(
        ['headless Chromium, real webview bundle', 'median'],
        [
          ['model view, 512 tokens × 144 heads: drawing (data-draw-ms)', formatMs(r.render.modelViewMs)],
          ['model view: overview message → painted frame', formatMs(r.render.modelViewWallMs)],
          ['hover update, head view', formatMs(r.render.hoverUpdateMs)],
          ...(r.render.hoverAllHeadsMs === undefined
            ? []
            : [['hover update, head view, all heads overlaid', formatMs(r.render.hoverAllHeadsMs)]]),
          ['hover update, matrix view', formatMs(r.render.matrixHoverMs)],
        ],
      ),
    );
  }
  out.push('');
  out.push(
    `### 7. The floor: matrix-product operations ÷ this machine's MatMul rate (${(r.floor.rate / 1e9).toFixed(0)} ` +
      `GFLOP/s: ${r.floor.chain} × ${r.floor.n}³ fp32 MatMul in ${formatMs(r.floor.ms)})`,
  );
  out.push(floorTable(r));
  if (r.notes.length > 0) {
    out.push('');
    out.push('Notes from this run:');
    out.push(...r.notes.map((n) => `- ${n}`));
  }
  return out.join('\n');
}

export function writeBenchmarks(repoRoot: string, device: BenchDevice, markdown: string): string {
  const file = path.join(repoRoot, 'BENCHMARKS.md');
  const [start, end] =
    device === 'cuda' ? ['<!-- bench-cuda:start -->', '<!-- bench-cuda:end -->'] : ['<!-- bench:start -->', '<!-- bench:end -->'];
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, replaceBetweenMarkers(before, start, end, markdown));
  return file;
}
