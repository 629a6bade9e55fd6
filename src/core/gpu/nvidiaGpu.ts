// Whether an NVIDIA GPU with its driver is visible on this Linux machine, to decide whether offering CUDA makes
// sense. Cheap and silent: it never throws, and a missing driver or tool just means "no".
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';

export interface NvidiaGpuInfo {
  present: boolean;
  /** e.g. "550.54.15" */
  driverVersion?: string;
  /** GPU names from nvidia-smi, when it ran. */
  gpus?: string[];
  /** How it was decided, for the log. */
  detail: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    try {
      execFile(cmd, args, { timeout: timeoutMs, windowsHide: true }, (err, stdout) => resolve(err ? undefined : String(stdout)));
    } catch {
      resolve(undefined);
    }
  });
}

export async function detectNvidiaGpu(opts: { procFile?: string; nvidiaSmi?: string; timeoutMs?: number } = {}): Promise<NvidiaGpuInfo> {
  if (process.platform !== 'linux' && opts.procFile === undefined) {
    return { present: false, detail: `CUDA downloads are offered on Linux only (this is ${process.platform})` };
  }
  let driverVersion: string | undefined;
  try {
    const text = await fsp.readFile(opts.procFile ?? '/proc/driver/nvidia/version', 'utf8');
    driverVersion = /Kernel Module(?:\s+for\s+\S+)?\s+([0-9][0-9.]*)/.exec(text)?.[1] ?? /\s([0-9]{3,}\.[0-9.]+)\s/.exec(text)?.[1];
  } catch {
    /* no kernel driver loaded */
  }
  const smi = await run(
    opts.nvidiaSmi ?? 'nvidia-smi',
    ['--query-gpu=name,driver_version', '--format=csv,noheader'],
    opts.timeoutMs ?? 3000,
  );
  const rows = (smi ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const gpus = rows.map((r) => r.split(',')[0].trim());
  driverVersion ??= rows[0]?.split(',')[1]?.trim();
  if (gpus.length > 0) return { present: true, driverVersion, gpus, detail: `nvidia-smi lists ${gpus.join(', ')}` };
  if (driverVersion) return { present: true, driverVersion, detail: `NVIDIA driver ${driverVersion} is loaded` };
  return { present: false, detail: 'no NVIDIA driver found (/proc/driver/nvidia/version, nvidia-smi)' };
}
