// The notebook output renderer (contributes.notebookRenderer) for application/vnd.attention-lens.run+json: a run
// file stored in a cell's output, drawn with the inspector's own views (tokens, head view, model view, matrix,
// predictions), offline, by the same reader that Open Run File and `attention-lens validate` use. A malformed
// output shows its problems instead. Stored outputs render without a kernel: nothing here talks to one.
import { FileRun } from '../../src/core/runFile/fileRun';
import { problemLines } from '../../src/core/runFile/problems';
import { readRunFile } from '../../src/core/runFile/readRunFile';
import { App } from '../app';
import { inspectorLayout } from '../layout';
import { watchTheme } from '../render/theme';
import { FileHost } from './fileHost';

/** What VS Code hands a renderer (vscode-notebook-renderer's OutputItem, the part used here). */
interface OutputItem {
  readonly id: string;
  readonly mime: string;
  json(): unknown;
}

/** The stylesheet esbuild writes beside this bundle, linked once per page. */
function linkStyles(): void {
  if (document.querySelector('link[data-attention-lens]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./notebook-styles.css', import.meta.url).toString();
  link.dataset.attentionLens = '';
  document.head.append(link);
}

/** Outputs shown, by output id: a re-render replaces its app, and each output's state is its own. */
const apps = new Map<string, App>();
const themed = new Set<App>();

function renderProblems(element: HTMLElement, lines: string[]): void {
  const box = document.createElement('div');
  box.className = 'attention-lens-output invalid';
  const title = document.createElement('div');
  title.className = 'notice';
  title.textContent = 'Attention Lens cannot show this output: it is not a valid run file (schema attention-lens-run/3).';
  const list = document.createElement('ul');
  list.append(...lines.map((line) => Object.assign(document.createElement('li'), { textContent: line })));
  box.append(title, list);
  element.replaceChildren(box);
}

export function activate(): { renderOutputItem(item: OutputItem, element: HTMLElement): void; disposeOutputItem(id?: string): void } {
  linkStyles();
  watchTheme(() => themed.forEach((app) => app.invalidate()));
  let nextRunId = 1;
  return {
    renderOutputItem(item, element) {
      let raw: unknown;
      try {
        raw = item.json();
      } catch (error) {
        return renderProblems(element, [`$: is not JSON: ${(error as Error).message}`]);
      }
      const reading = readRunFile(raw, 'a notebook output');
      if (!reading.ok) return renderProblems(element, problemLines(reading.problems, reading.unlisted));
      const run = new FileRun(reading.run, nextRunId++);
      const app = new App(new FileHost(run));
      const root = document.createElement('div');
      root.className = 'attention-lens-output';
      root.dataset.viewBottom = '';
      element.replaceChildren(root);
      const layout = inspectorLayout(app, root);
      app.onRender(() => layout.render());
      app.data.setResult(run.summary);
      app.adoptRun();
      for (const overview of run.overviews()) app.data.setOverview(overview);
      apps.set(item.id, app);
      themed.add(app);
      app.invalidate();
    },
    disposeOutputItem(id) {
      for (const [key, app] of apps) {
        if (id !== undefined && key !== id) continue;
        themed.delete(app);
        apps.delete(key);
      }
    },
  };
}
