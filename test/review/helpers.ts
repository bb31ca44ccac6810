import type { Change, ChangedFile } from '../../src/domain/change.js';
import type { Finding } from '../../src/protocol/findings.js';

/** A small in-memory change with one added-lines hunk per file. */
export function changeOf(files: Record<string, string[]>, extra: Partial<Change> = {}): Change {
  const out: ChangedFile[] = Object.entries(files).map(([path, lines]) => ({
    path,
    oldPath: null,
    newPath: path,
    status: 'added',
    operation: 'added',
    binary: false,
    submodule: false,
    nonUtf8: false,
    additions: lines.length,
    deletions: 0,
    hunks: [
      {
        oldStart: 0,
        oldLines: 0,
        newStart: 1,
        newLines: lines.length,
        section: '',
        lines: lines.map((text, i) => ({ kind: 'add' as const, text, newLine: i + 1 })),
      },
    ],
  }));
  return {
    source: { kind: 'patch', description: 'test' },
    repoDir: null,
    baseSha: null,
    headSha: null,
    mergeBase: null,
    files: out,
    pr: null,
    ...extra,
  };
}

export function finding(over: Partial<Finding> = {}): Finding {
  return {
    file: 'src/pay.py',
    line: 2,
    severity: 'high',
    category: 'security',
    message: 'Amount is not validated before charging',
    confidence: 0.9,
    stage: 'security',
    ...over,
  };
}
