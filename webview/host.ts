// The one bridge to the extension host: acquireVsCodeApi() is called once, here. Requests of the table in
// src/protocol/requests.ts go through request(): the ids, the replies waited for and their errors are kept here.
import {
  FromWebviewType,
  ToWebviewType,
  type FromWebviewMessage,
  type Params,
  type ReplyMessage,
  type RequestMethod,
  type Result,
  type ToWebviewMessage,
} from '../src/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const KNOWN_TYPES = new Set<string>(Object.values(ToWebviewType));

/**
 * What the app asks of whoever serves its run: the extension host (Host), or a run file in a notebook output
 * (webview/notebook/fileHost.ts), which has no extension host to ask.
 */
export interface HostLink {
  post(message: FromWebviewMessage): void;
  request<M extends RequestMethod>(method: M, params: Params<M>): Promise<Result<M>>;
  getState(): unknown;
  setState(state: unknown): void;
}

export class Host implements HostLink {
  private readonly api: VsCodeApi = acquireVsCodeApi();
  private nextRequestId = 1;
  /** Replies waited for, by request id. */
  private readonly pending = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();

  post(message: FromWebviewMessage): void {
    this.api.postMessage(message);
  }

  /** Asks the host; settles with its reply: the result, or an Error with the host's message. */
  request<M extends RequestMethod>(method: M, params: Params<M>): Promise<Result<M>> {
    const requestId = this.nextRequestId++;
    return new Promise<Result<M>>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      this.post({ type: FromWebviewType.Request, requestId, method, params } as FromWebviewMessage);
    });
  }

  private settle(reply: ReplyMessage): void {
    const waiting = this.pending.get(reply.inReplyTo);
    if (!waiting) return;
    this.pending.delete(reply.inReplyTo);
    if (reply.error !== undefined || reply.result === undefined) waiting.reject(new Error(reply.error ?? 'empty reply'));
    else waiting.resolve(reply.result);
  }

  getState(): unknown {
    return this.api.getState();
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }

  /**
   * Only messages with a known type reach the app (replies settle their request); anything else is ignored (and
   * logged to the devtools).
   */
  listen(handler: (message: ToWebviewMessage) => void): void {
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data;
      if (typeof data === 'object' && data !== null && KNOWN_TYPES.has(String((data as { type?: unknown }).type))) {
        const message = data as ToWebviewMessage;
        if (message.type === ToWebviewType.Reply) this.settle(message);
        else handler(message);
      } else {
        console.warn('Attention Lens: ignored an unknown message', data);
      }
    });
  }
}
