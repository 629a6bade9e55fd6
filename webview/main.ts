// Entry of the webview bundle (inspector panel and side view). Chooses the layout from <body data-view>,
// says 'ready', then follows the host's messages; UI state lives in vscode.setState.
import './main.css';
import { FromWebviewType, ToWebviewType, type RenderExportMessage, type ToWebviewMessage } from '../src/protocol';
import { App, type View } from './app';
import { Host } from './host';
import { inspectorLayout, sidebarLayout } from './layout';
import { canvasToPng } from './render/canvas';
import { watchTheme } from './render/theme';

const host = new Host();
const app = new App(host);
const root = document.getElementById('app') ?? document.body;
const layout = document.body.dataset.view === 'sidebar' ? sidebarLayout(app, root) : inspectorLayout(app, root);
app.onRender(() => layout.render());
watchTheme(() => app.invalidate());

async function renderExport(view: View, format: 'png' | 'svg'): Promise<Uint8Array | string> {
  if (format === 'svg') return view.exportSvg();
  return canvasToPng(view.exportCanvas());
}

function answerExport(message: RenderExportMessage): void {
  const reply = (data: Uint8Array | string, error?: string): void =>
    host.post({ type: FromWebviewType.ExportRendered, requestId: message.requestId, format: message.format, data, error });
  renderExport(layout.current(), message.format).then(
    (data) => reply(data),
    (err: unknown) => reply(message.format === 'png' ? new Uint8Array(0) : '', err instanceof Error ? err.message : String(err)),
  );
}

function handle(message: ToWebviewMessage): void {
  const data = app.data;
  switch (message.type) {
    case ToWebviewType.Result:
      data.setResult(message.summary);
      app.adoptRun();
      break;
    case ToWebviewType.Overview:
      if (data.setOverview(message.overview)) app.invalidate();
      break;
    case ToWebviewType.Reply:
      if (data.handleReply(message)) app.invalidate();
      break;
    case ToWebviewType.Status:
      data.status = { state: message.state, message: message.message };
      app.invalidate();
      break;
    case ToWebviewType.Stale:
      if (message.runId === data.runId) {
        data.stale = message.message;
        app.invalidate();
      }
      break;
    case ToWebviewType.FocusToken:
      if (message.runId === data.runId) app.select(message.index, false);
      break;
    case ToWebviewType.RenderExport:
      answerExport(message);
      break;
  }
}

host.listen(handle);
host.post({ type: FromWebviewType.Ready });
app.invalidate();
