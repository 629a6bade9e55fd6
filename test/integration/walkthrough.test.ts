// The first-run walkthrough and where the extension runs, in a real VS Code: every step's media is there, every
// command button names a registered command, Try on a Sample Sentence inspects the sample; and the extension runs
// in the workspace (server) extension host of the code-server harness while the workbench is in the browser.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SAMPLE_TEXT } from '../../src/commands/sampleText';
import type { LensTestApi } from '../../src/testApi';
import { extension, fixtureModel, lensApi, useModel, waitFor } from './surfaceHelpers';

interface Step {
  id: string;
  description: string;
  media: { markdown: string };
  completionEvents: string[];
}

interface Walkthrough {
  id: string;
  steps: Step[];
}

/** The command a step's button runs: [Title](command:id). */
const buttonCommand = (step: Step) => /\]\(command:([\w.]+)\)/.exec(step.description)?.[1];

describe('walkthrough and remote: the first-run walkthrough and the workspace extension host', () => {
  let api: LensTestApi;
  let walkthrough: Walkthrough;
  const root = () => extension().extensionPath;

  before(async () => {
    api = await lensApi();
    [walkthrough] = extension().packageJSON.contributes.walkthroughs as Walkthrough[];
  });

  it('has the six steps, each with a Markdown page whose image is a file of the extension', () => {
    assert.deepEqual(
      walkthrough.steps.map((s) => s.id),
      ['inspect', 'hover', 'sideView', 'pickModel', 'gpu', 'runFile'],
    );
    for (const step of walkthrough.steps) {
      const page = path.join(root(), step.media.markdown);
      const images = [...fs.readFileSync(page, 'utf8').matchAll(/!\[[^\]]+\]\(([^)]+)\)/g)].map((m) => m[1]);
      assert.equal(images.length, 1, `${step.media.markdown} shows one image with alt text`);
      const image = path.join(path.dirname(page), images[0]);
      assert.ok(fs.statSync(image).size > 10_000, `${image} is a screenshot, not a placeholder`);
    }
  });

  it('gives every step a button whose command is registered', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = new Set((extension().packageJSON.contributes.commands as { command: string }[]).map((c) => c.command));
    for (const step of walkthrough.steps) {
      const command = buttonCommand(step);
      assert.ok(command, `step ${step.id} has a command button`);
      assert.ok(step.completionEvents.includes(`onCommand:${command}`), `step ${step.id} completes when its button runs`);
      assert.ok(contributed.has(command), `${command} is a contributed command`);
      assert.ok(registered.has(command), `${command} is registered`);
    }
  });

  it('opens in the Welcome editor by its id', async () => {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${extension().id}#${walkthrough.id}`, false);
    const tab = await waitFor('the Welcome tab', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => /Welcome|Walkthrough/.test(t.label)),
    );
    assert.ok(tab.isActive, 'the walkthrough is in front');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it("Try on a Sample Sentence inspects the sample's first line in an untitled document", async () => {
    await useModel(fixtureModel('tiny-bert'));
    const runId = await vscode.commands.executeCommand<number | undefined>('attentionLens.trySample');
    assert.equal(typeof runId, 'number', 'the command hands back the run id');
    await api.whenIdle();
    const last = api.lastResult();
    assert.equal(last?.runId, runId);
    assert.equal(last?.summary.text, SAMPLE_TEXT.split('\n')[0]);
    assert.equal(vscode.window.activeTextEditor?.document.isUntitled, true);
    assert.ok(last?.summary.tokens.some((t) => t.piece === 'animal'));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('runs as a workspace extension: on the server (Node) while the workbench runs in the browser', () => {
    assert.deepEqual(extension().packageJSON.extensionKind, ['workspace']);
    assert.equal(extension().extensionKind, vscode.ExtensionKind.Workspace, 'loaded by the workspace extension host');
    assert.equal(vscode.env.uiKind, vscode.UIKind.Web, "the harness's workbench is a web page");
    assert.equal(typeof process.versions.node, 'string', 'inference runs in Node on the server side');
  });
});
