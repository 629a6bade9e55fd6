// The one bridge to the extension host: acquireVsCodeApi() is called once, here.
import { ToWebviewType, type FromWebviewMessage, type ToWebviewMessage } from '../src/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const KNOWN_TYPES = new Set<string>(Object.values(ToWebviewType));

export class Host {
  private readonly api: VsCodeApi = acquireVsCodeApi();
  private nextRequestId = 1;

  post(message: FromWebviewMessage): void {
    this.api.postMessage(message);
  }

  requestId(): number {
    return this.nextRequestId++;
  }

  getState(): unknown {
    return this.api.getState();
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }

  /** Only messages with a known type reach the app; anything else is ignored (and logged to the devtools). */
  listen(handler: (message: ToWebviewMessage) => void): void {
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data;
      if (typeof data === 'object' && data !== null && KNOWN_TYPES.has(String((data as { type?: unknown }).type))) {
        handler(data as ToWebviewMessage);
      } else {
        console.warn('Attention Lens: ignored an unknown message', data);
      }
    });
  }
}
