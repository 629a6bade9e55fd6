// A local stand-in for the Hugging Face Hub (and any other download host) on 127.0.0.1, for tests only.
// It serves the Hub's URL layout from in-memory files:
//   GET /api/models/{owner}/{name}/revision/{rev}  → { sha, siblings: [{ rfilename, size, lfs? }] }
//   GET /{owner}/{name}/resolve/{rev}/{path}       → the file; LFS files (*.onnx, *.onnx_data[_N]) answer 302 to
//                                                    /cdn-lfs/… with X-Linked-Size and X-Linked-Etag (sha256),
//                                                    as the real Hub does
// plus exact-path routes (e.g. a NuGet feed). Faults can be injected per path, requests are logged and body
// bytes counted. It listens on loopback only, stops itself after `maxLifetimeMs`, and refuses requests past
// `maxRequests`, so a forgotten server cannot outlive a test run.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  /** Answer this status instead of the file (404, 500 …). */
  status?: number;
  /** Send this many body bytes, then drop the connection. */
  dropAfterBytes?: number;
  /** Send this fraction (0..1) of the body, then drop the connection. */
  dropAtFraction?: number;
  /** Send this many body bytes, then nothing more (the connection stays open: a stall). */
  stallAfterBytes?: number;
  /** Throttle the body to this rate. */
  bytesPerSecond?: number;
  /** Ignore Range headers (always answer 200 with the whole file). */
  noRange?: boolean;
  /** Announce Content-Length this many bytes larger than sent, then end the response (a truncated body). */
  extraContentLength?: number;
  /** Override X-Linked-Size (LFS files). */
  linkedSize?: number;
  /** Override X-Linked-Etag (LFS files). */
  linkedEtag?: string;
  /** Answer 302 to this Location instead. */
  redirect?: string;
  /** Replace the body with these bytes (same length unless given otherwise). */
  body?: Buffer;
  /** Apply to this many matching requests, then serve normally. Default: always. */
  times?: number;
}

export interface FakeHubOptions {
  /** owner/name → path in repo → bytes. */
  models?: Record<string, Record<string, Buffer>>;
  /** The commit "main" resolves to. */
  commit?: string;
  /** Serve the model-info API (default true). */
  api?: boolean;
  maxLifetimeMs?: number;
  maxRequests?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  status: number;
}

const isLfs = (p: string): boolean => /\.onnx(_data(_\d+)?)?$/.test(p) || p.endsWith('.nupkg');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export class FakeHub {
  readonly requests: LoggedRequest[] = [];
  /** Body bytes sent, by path. */
  readonly bytesSent = new Map<string, number>();
  private readonly server: http.Server;
  private readonly faults = new Map<string, Fault>();
  private readonly routes = new Map<string, { body: Buffer; type: string }>();
  private readonly lifetime: NodeJS.Timeout;
  readonly commit: string;
  url = '';

  private constructor(private readonly opts: FakeHubOptions) {
    this.commit = opts.commit ?? 'a'.repeat(40);
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.lifetime = setTimeout(() => void this.close(), opts.maxLifetimeMs ?? 60_000);
    this.lifetime.unref();
  }

  static async start(opts: FakeHubOptions = {}): Promise<FakeHub> {
    const hub = new FakeHub(opts);
    await new Promise<void>((resolve) => hub.server.listen(0, '127.0.0.1', resolve));
    hub.url = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
    return hub;
  }

  /** Faults match request paths that end with `pathSuffix` (e.g. "onnx/model.onnx"). */
  setFault(pathSuffix: string, fault: Fault): void {
    this.faults.set(pathSuffix, { ...fault });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  setRoute(path: string, body: Buffer | string, type = 'application/octet-stream'): void {
    this.routes.set(path, { body: typeof body === 'string' ? Buffer.from(body) : body, type });
  }

  /** Requests whose path contains `part` (all requests when omitted). */
  count(part = ''): number {
    return this.requests.filter((r) => r.path.includes(part)).length;
  }

  async close(): Promise<void> {
    clearTimeout(this.lifetime);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeFault(path: string, wants: (f: Fault) => boolean): Fault | undefined {
    for (const [suffix, fault] of this.faults) {
      if (!path.endsWith(suffix) || !wants(fault)) continue;
      if (fault.times !== undefined) {
        if (fault.times <= 0) continue;
        fault.times -= 1;
      }
      return fault;
    }
    return undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const entry: LoggedRequest = { method: req.method ?? 'GET', path, range: req.headers.range, status: 0 };
    this.requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    res.on('close', () => (entry.status ||= res.statusCode));
    if (this.requests.length > (this.opts.maxRequests ?? 2000)) return void res.writeHead(503).end();
    const head = this.takeFault(path, (f) => f.status !== undefined || f.redirect !== undefined);
    if (head?.status !== undefined) return void res.writeHead(head.status, { 'Content-Type': 'text/plain' }).end(`fault ${head.status}`);
    if (head?.redirect !== undefined) return void res.writeHead(302, { Location: head.redirect }).end();

    const route = this.routes.get(path);
    if (route) return this.sendBody(req, res, path, route.body, { 'Content-Type': route.type });

    const api = /^\/api\/models\/([^/]+)\/([^/]+)\/revision\/(.+)$/.exec(path);
    if (api) return this.sendApi(res, `${api[1]}/${api[2]}`, api[3]);
    const cdn = /^\/cdn-lfs\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
    if (cdn) {
      const file = this.opts.models?.[`${cdn[1]}/${cdn[2]}`]?.[cdn[3]];
      if (!file) return void res.writeHead(404).end();
      return this.sendBody(req, res, path, file, { 'Content-Type': 'application/octet-stream' });
    }
    const resolve = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (!resolve) return void res.writeHead(404).end('no such route');
    const [, owner, name, rev, file] = resolve;
    const model = this.opts.models?.[`${owner}/${name}`];
    const bytes = model?.[file];
    if (!model || (rev !== 'main' && rev !== this.commit) || !bytes) {
      return void res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end('Entry not found');
    }
    if (isLfs(file)) {
      const f = this.takeFault(path, (x) => x.linkedSize !== undefined || x.linkedEtag !== undefined);
      const location = `/cdn-lfs/${owner}/${name}/${file}`;
      return void res
        .writeHead(302, {
          Location: location,
          'X-Linked-Size': String(f?.linkedSize ?? bytes.length),
          'X-Linked-Etag': `"${f?.linkedEtag ?? sha256(bytes)}"`,
        })
        .end();
    }
    this.sendBody(req, res, path, bytes, { 'Content-Type': 'application/octet-stream', ETag: `"${sha256(bytes).slice(0, 40)}"` });
  }

  private sendApi(res: http.ServerResponse, id: string, rev: string): void {
    const model = this.opts.models?.[id];
    if (this.opts.api === false || !model || (rev !== 'main' && rev !== this.commit)) {
      return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"Repository not found"}');
    }
    const siblings = Object.entries(model).map(([rfilename, b]) =>
      isLfs(rfilename)
        ? { rfilename, size: b.length, lfs: { size: b.length, sha256: sha256(b), pointerSize: 134 } }
        : { rfilename, size: b.length },
    );
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id, sha: this.commit, siblings }));
  }

  private sendBody(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    full: Buffer,
    headers: http.OutgoingHttpHeaders,
  ): void {
    const fault = this.takeFault(
      path,
      (f) => f.status === undefined && f.redirect === undefined && f.linkedSize === undefined && f.linkedEtag === undefined,
    );
    const file = fault?.body ?? full;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !fault?.noRange) {
      start = Number(range[1]);
      if (start >= file.length) return void res.writeHead(416, { 'Content-Range': `bytes */${file.length}` }).end();
    }
    const body = file.subarray(start);
    const announced = body.length + (fault?.extraContentLength ?? 0);
    const out: http.OutgoingHttpHeaders = {
      ...headers,
      'Content-Length': String(announced),
      'Accept-Ranges': fault?.noRange ? 'none' : 'bytes',
    };
    if (start > 0) out['Content-Range'] = `bytes ${start}-${file.length - 1}/${file.length}`;
    res.writeHead(start > 0 ? 206 : 200, out);
    if (req.method === 'HEAD') return void res.end();
    let limit = body.length;
    if (fault?.dropAfterBytes !== undefined) limit = Math.min(limit, fault.dropAfterBytes);
    if (fault?.dropAtFraction !== undefined) limit = Math.min(limit, Math.floor(body.length * fault.dropAtFraction));
    const stall = fault?.stallAfterBytes !== undefined;
    if (stall) limit = Math.min(limit, fault?.stallAfterBytes ?? 0);
    const drop = limit < body.length;
    const chunk = fault?.bytesPerSecond ? Math.max(1, Math.floor(fault.bytesPerSecond / 20)) : 64 * 1024;
    let sent = 0;
    const pump = (): void => {
      if (res.destroyed) return;
      while (sent < limit) {
        const piece = body.subarray(sent, Math.min(limit, sent + chunk));
        sent += piece.length;
        this.bytesSent.set(path, (this.bytesSent.get(path) ?? 0) + piece.length);
        const ok = res.write(piece);
        if (fault?.bytesPerSecond) return void setTimeout(pump, 50);
        if (!ok) return void res.once('drain', pump);
      }
      if (stall) return; // keep the socket open and silent
      // A truncated body (extraContentLength) or a drop: end the socket after what was written is flushed,
      // so the client gets exactly `sent` bytes and then sees the connection close early.
      if (drop || announced > body.length) res.socket?.end();
      else res.end();
    };
    pump();
  }
}

/** A loopback port with nothing listening on it (for "server down" tests). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
