// `npm run bench -- --only rollout`: attention rollout (src/core/analysis/rollout.ts) for the BERT-base shape, 12
// layers × 12 heads at 512 tokens, from maps already computed (the maps' own cost is the inspect's and the layer
// requests' figures). Random row-stochastic maps: the work (a head mean, 11 products of 512 × 512) does not depend
// on the values. Wall time and the process's CPU time are both given: on a shared machine the first moves with
// the load, the second much less. Written into BENCHMARKS.md between the bench-rollout markers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RolloutChain } from '../../src/core/analysis/rollout';
import { heldSource } from '../../src/core/engine/layerMaps';
import { formatMs, median, replaceBetweenMarkers, verdict } from './benchMath';

const LAYERS = 12;
const HEADS = 12;
const TOKENS = 512;
const TARGET_MS = 100;

function randomLayer(): Float32Array {
  const data = new Float32Array(HEADS * TOKENS * TOKENS);
  for (let row = 0; row < HEADS * TOKENS; row++) {
    let sum = 0;
    for (let k = 0; k < TOKENS; k++) sum += data[row * TOKENS + k] = Math.random();
    for (let k = 0; k < TOKENS; k++) data[row * TOKENS + k] /= sum;
  }
  return data;
}

export interface RolloutFigures {
  wallMs: number;
  cpuMs: number;
  runs: number;
  loadAverages: number[];
}

export async function benchRollout(quick: boolean): Promise<RolloutFigures> {
  const perLayer = Array.from({ length: LAYERS }, randomLayer);
  const shape = { set: 'self', layers: LAYERS, heads: HEADS, queries: TOKENS, keys: TOKENS, causal: false };
  const source = heldSource({ ...shape, perLayer });
  const loadAverages = [os.loadavg()[0]];
  const runs = quick ? 3 : 9;
  const wall: number[] = [];
  const cpu: number[] = [];
  // One warm-up: the step sessions are made on first use.
  await new RolloutChain(source).all();
  for (let r = 0; r < runs; r++) {
    const chain = new RolloutChain(source);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await chain.all();
    wall.push(performance.now() - t0);
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / 1000);
  }
  loadAverages.push(os.loadavg()[0]);
  return { wallMs: median(wall), cpuMs: median(cpu), runs, loadAverages };
}

export function renderRolloutMarkdown(f: RolloutFigures): string {
  const load = f.loadAverages.map((l) => l.toFixed(1)).join(' → ');
  return [
    `Every R_l, ${LAYERS} layers × ${HEADS} heads at ${TOKENS} tokens, from maps in memory; median of ${f.runs} runs after one warm-up;`,
    `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, 1-minute load average ${load}.`,
    '',
    '| Figure | Wall time | CPU time (all threads) | Target | |',
    '|---|---|---|---|---|',
    `| Rollout, all ${LAYERS} layers | ${formatMs(f.wallMs)} | ${formatMs(f.cpuMs)} | ≤ ${TARGET_MS} ms | ` +
      `${verdict(f.wallMs, TARGET_MS)} |`,
  ].join('\n');
}

export function writeRolloutSection(repoRoot: string, markdown: string): string {
  const file = path.join(repoRoot, 'BENCHMARKS.md');
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, replaceBetweenMarkers(before, '<!-- bench-rollout:start -->', '<!-- bench-rollout:end -->', markdown));
  return file;
}
