// Which token a text offset falls on (hover, side view): pure, so it is unit-tested without VS Code.
import type { TokenView } from '../protocol';

/**
 * The token whose span holds `offset` (relative to the inspected text). At a boundary — the cursor right after
 * a word — the token ending there. Special tokens count only where they cover text (a literal [MASK]).
 */
export function tokenIndexAt(tokens: readonly TokenView[], offset: number): number | undefined {
  const inside = tokens.find((t) => t.start <= offset && offset < t.end);
  if (inside) return inside.index;
  return tokens.find((t) => t.end === offset && t.end > t.start)?.index;
}
