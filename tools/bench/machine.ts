// What the benchmark ran on, for the record: CPU model, cores, memory, load, Node and onnxruntime versions.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  ort: string;
  transformers: string;
  platform: string;
  /** 1-minute load averages seen at the start and the end of the run (the machine is shared). */
  loadAverages: number[];
  date: string;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1].trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** A package's version from its package.json, found by walking up from its entry (some packages' exports hide package.json). */
function packageVersion(name: string): string {
  try {
    let dir = path.dirname(require.resolve(name));
    for (;;) {
      try {
        const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
        if (manifest.name === name) return manifest.version;
      } catch {
        // no package.json here: keep walking up
      }
      const parent = path.dirname(dir);
      if (parent === dir) return 'unknown';
      dir = parent;
    }
  } catch {
    return 'not installed';
  }
}

export function describeMachine(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    ort: packageVersion('onnxruntime-node'),
    transformers: packageVersion('@huggingface/transformers'),
    platform: `${process.platform}-${process.arch}`,
    loadAverages: [os.loadavg()[0]],
    date: new Date().toISOString(),
  };
}

export function noteLoad(machine: MachineInfo): void {
  machine.loadAverages.push(os.loadavg()[0]);
}
