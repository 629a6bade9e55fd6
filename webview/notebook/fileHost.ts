// The app's link when a notebook output shows a run: no extension host is reachable (the renderer requires no
// messaging, and stored outputs render without a kernel), so the run file answers the app's requests itself.
import type { FileRun } from '../../src/core/runFile/fileRun';
import type { FromWebviewMessage, Params, RequestMethod, Result } from '../../src/protocol';
import type { HostLink } from '../host';

export class FileHost implements HostLink {
  /** The UI state (tab, layer, head) of this output while the notebook is open. */
  private state: unknown;

  constructor(private readonly run: FileRun) {}

  /** Nothing to send to: revealing a token, exporting or picking a model need the extension host. */
  post(_message: FromWebviewMessage): void {}

  request<M extends RequestMethod>(method: M, params: Params<M>): Promise<Result<M>> {
    return this.run.answer(method, params);
  }

  getState(): unknown {
    return this.state;
  }

  setState(state: unknown): void {
    this.state = state;
  }
}
