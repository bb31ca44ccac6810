import type { Change } from '../domain/change.js';

/**
 * Line numbers of findings against what the change shows of a file. A model can name a line
 * past the end of a file (or 0); outputs that need a real line (annotations, SARIF regions)
 * clamp it and say so, and nothing is dropped for it.
 */

const cache = new WeakMap<Change, Map<string, number>>();

/**
 * New-side line counts of the files whose whole content the diff shows: added text files (one
 * hunk from line 1). For other files the diff shows only parts, so their length is unknown.
 */
export function lineCounts(change: Change): Map<string, number> {
  let m = cache.get(change);
  if (m) return m;
  m = new Map();
  for (const f of change.files) {
    if (f.operation !== 'added' || f.binary || f.submodule || f.hunks.length === 0) continue;
    let max = 0;
    for (const h of f.hunks) for (const l of h.lines) if (l.newLine !== undefined && l.newLine > max) max = l.newLine;
    if (max > 0) m.set(f.path, max);
  }
  cache.set(change, m);
  return m;
}

/** Plain-text line counts for the report (JSON `change.lineCounts`). */
export function lineCountsRecord(change: Change): Record<string, number> {
  return Object.fromEntries(lineCounts(change));
}

/** "line 99 is beyond the end of the file (4 lines)" when the change shows the file is shorter. */
export function beyondEnd(f: { file: string; line: number }, counts: Map<string, number> | Record<string, number> | undefined): string | null {
  const n = counts instanceof Map ? counts.get(f.file) : counts?.[f.file];
  if (n === undefined || f.line <= n) return null;
  return `line ${f.line} is beyond the end of the file (${n} line${n === 1 ? '' : 's'})`;
}

/**
 * 1-based start and end lines for a finding: at least 1, at most the file's length when known
 * (a finding beyond the end points at the last line, with a note), end never before start.
 */
export function clampLines(f: { line: number; endLine?: number | undefined }, count: number | undefined): { start: number; end: number; note: string | null } {
  let start = Math.max(1, Math.floor(f.line));
  let end = f.endLine !== undefined ? Math.max(start, Math.floor(f.endLine)) : start;
  let note: string | null = null;
  if (count !== undefined && count > 0) {
    if (start > count) note = `reported at line ${f.line}, beyond the end of the file (${count} line${count === 1 ? '' : 's'}); shown at its last line`;
    start = Math.min(start, count);
    end = Math.min(Math.max(end, start), count);
  }
  return { start, end, note };
}
