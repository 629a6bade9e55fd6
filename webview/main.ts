// Entry of the webview bundle (inspector panel and side view). Chooses the layout from <body data-view>,
// says 'ready', then follows the host's messages; UI state lives in vscode.setState.
import './main.css';
import { FromWebviewType, ToWebviewType, type RenderExportMessage, type ToWebviewMessage } from '../src/protocol';
import { App } from './app';
import { captionFor } from './export/caption';
import { pngFigure, svgFigure } from './export/figure';
import { Host } from './host';
import { inspectorLayout, sidebarLayout } from './layout';
import { watchTheme } from './render/theme';

const host = new Host();
const app = new App(host);
const root = document.getElementById('app') ?? document.body;
const layout = document.body.dataset.view === 'sidebar' ? sidebarLayout(app, root) : inspectorLayout(app, root);
app.onRender(() => layout.render());
watchTheme(() => app.invalidate());

/** The current view as a titled figure, and the name of what it shows (for the file name). */
async function renderExport(format: 'png' | 'svg'): Promise<{ data: Uint8Array | string; name: string }> {
  const s = app.data.summary;
  if (!s) throw new Error('nothing is shown yet');
  const { view, id } = layout.current();
  const caption = captionFor(id, s, app.state);
  const draw = (): void => void view.exportCanvas();
  return { data: format === 'svg' ? svgFigure(draw, caption) : await pngFigure(draw, caption), name: caption.name };
}

function answerExport(message: RenderExportMessage): void {
  const reply = (data: Uint8Array | string, name?: string, error?: string): void =>
    host.post({ type: FromWebviewType.ExportRendered, requestId: message.requestId, format: message.format, data, name, error });
  renderExport(message.format).then(
    (rendered) => reply(rendered.data, rendered.name),
    (err: unknown) => reply(message.format === 'png' ? new Uint8Array(0) : '', undefined, err instanceof Error ? err.message : String(err)),
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
      // A pinned token stays while the editor cursor moves.
      if (message.runId === data.runId && !app.pinned) app.select(message.index, false);
      break;
    case ToWebviewType.RenderExport:
      answerExport(message);
      break;
    case ToWebviewType.InspectorFocus:
      data.inspectorFocus = { layer: message.layer, head: message.head };
      if (app.state.followInspector) app.followInspector();
      break;
    case ToWebviewType.Baseline:
      data.baselineChanges++;
      if (message.show) app.update({ tab: 'compare' });
      else app.invalidate();
      break;
  }
}

host.listen(handle);
host.post({ type: FromWebviewType.Ready });
app.invalidate();
