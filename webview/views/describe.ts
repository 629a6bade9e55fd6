// Short text forms of rankings, for hover lines, tooltips and screen readers.
import type { TokenView } from '../../src/protocol';
import type { Ranked } from '../render/attention';

export function tokenLabel(t: TokenView | undefined): string {
  return t ? t.display || t.piece : '?';
}

export function describeRanked(ranked: Ranked[], tokens: TokenView[]): string {
  return ranked.map((r) => `${JSON.stringify(tokenLabel(tokens[r.index]))} ${r.weight.toFixed(3)}`).join(', ');
}
