// The text Try on a Sample Sentence opens (and the walkthrough's screenshots and tests read): a sentence whose
// attention is worth a look ("it" → "animal"), then how to inspect your own text. Imports nothing (harness scripts
// running outside VS Code read it too).
export const SAMPLE_TEXT =
  "The animal didn't cross the street because it was too tired.\n" +
  'Select any text, in any file, and run Attention Lens: Inspect Selection (Ctrl+Alt+Shift+I).\n';
