// The surprisal commands and hover, registered with their controller.
import * as vscode from 'vscode';
import type { SurprisalController } from './surprisalController';

export function registerSurprisal(surprisal: SurprisalController): vscode.Disposable[] {
  return [
    surprisal,
    vscode.commands.registerCommand('attentionLens.showSurprisal', () => surprisal.toggle()),
    vscode.commands.registerCommand('attentionLens.mostSurprising', () => surprisal.showMostSurprising()),
    vscode.commands.registerCommand('attentionLens.cancelSurprisal', () => surprisal.cancelActive()),
    vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }], {
      provideHover: (document, position, cancel) => surprisal.hover(document, position, cancel),
    }),
  ];
}
