// The session's status as the views show it (busy, idle, an error), and errors as the user should read them: the
// message in the views and a notification, never a stack (that goes to the log).
import * as vscode from 'vscode';
import { LensError } from '../core/types';
import type { RunEvent } from './runState';

export type StatusState = 'running' | 'idle' | 'error';

export class RunStatus {
  last: { state: StatusState; message: string } = { state: 'idle', message: '' };

  constructor(
    private readonly fire: (event: RunEvent) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  set(state: StatusState, message: string): void {
    this.last = { state, message };
    this.fire({ kind: 'status', state, message });
  }

  /**
   * The inference worker stopped (a crash, memory, a kill): the views say so. A run it took down also fails with
   * this message (fail() adds the notification); the next run restarts the worker with the model.
   */
  workerStopped(message: string): void {
    this.log.error(`worker-crashed: ${message}`);
    this.set('error', message);
  }

  fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof LensError) this.log.error(`${error.code}: ${message}`);
    else this.log.error(error instanceof Error && error.stack ? error.stack : message);
    this.set('error', message);
    void vscode.window.showErrorMessage(`Attention Lens: ${message}`);
  }
}
