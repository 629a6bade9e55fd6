// The one protocol between the extension host and the webviews. Imported by both sides, so nothing in it
// imports vscode, Node or the DOM: shapes of run data, the messages, and the validation of what a webview sends.
export * from './shapes';
export * from './runSets';
export * from './messages';
export * from './validate';
export * from './requests';
export * from './predictions';
export * from './headSharing';
export * from './compare';
export * from './pair';
export * from './logitLens';
export * from './queryKey';
export * from './runComparison';
export * from './headMean';
