// Where an inspected range lies after the document is edited, so a stale run can be re-run on the same text
// as it reads now. Pure (document offsets only), so it is unit-tested without VS Code.

export interface OffsetRange {
  start: number;
  end: number;
}

/** One content change: `length` characters at `offset` replaced by `inserted` characters. */
export interface OffsetChange {
  offset: number;
  length: number;
  inserted: number;
}

/**
 * The range after one change. Like an editor decoration it grows when typed at either edge; text before it
 * shifts it; a replacement across a boundary keeps what is left of the range and takes in the replacement.
 */
export function shiftRange(range: OffsetRange, change: OffsetChange): OffsetRange {
  const changeEnd = change.offset + change.length;
  const moved = (at: number, isEnd: boolean): number => {
    if (at < change.offset) return at;
    // A replacement that starts at the range's end lies after it; an insertion there joins it.
    if (at === change.offset) return isEnd && change.length === 0 ? at + change.inserted : at;
    if (at >= changeEnd) return at + change.inserted - change.length;
    return isEnd ? change.offset + change.inserted : change.offset;
  };
  const start = moved(range.start, false);
  return { start, end: Math.max(start, moved(range.end, true)) };
}

/** The range after a list of changes applied one after the other (VS Code lists them so). */
export function trackRange(range: OffsetRange, changes: readonly OffsetChange[]): OffsetRange {
  return changes.reduce(shiftRange, range);
}
