import { unquoteGitPath as unquote } from '../domain/diff-parse.js';

/** One file's change between the base and head revisions (rename detection off: a rename is a delete plus an add). */
export interface FileChange {
  /** Path in the base revision; null when the file was added. */
  oldPath: string | null;
  /** Path in the head revision; null when the file was deleted. */
  newPath: string | null;
  /** Changed (removed or replaced) lines, numbered in the base revision. */
  oldLines: number[];
  /** Changed (added or replacement) lines, numbered in the head revision. */
  newLines: number[];
  /** Pure deletions: the head line after which lines were removed (a definition spanning it and the next line changed). */
  newAnchors: number[];
  binary: boolean;
}

/**
 * Parses `git diff --no-renames --no-color -U0` output. Pure: the caller runs git.
 * A pure insertion (`-a,0`) has no base lines; a pure deletion (`+c,0`) has no head lines,
 * but the head line where the deletion happened is kept as an anchor so the enclosing head
 * definition counts as changed too (deleting a line inside a function changes that function).
 */
export function parseUnifiedDiff(text: string): FileChange[] {
  const out: FileChange[] = [];
  let cur: FileChange | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      cur = { oldPath: null, newPath: null, oldLines: [], newLines: [], newAnchors: [], binary: false };
      out.push(cur);
      // quoted names keep their quotes here so unquote decodes their escapes (binary and
      // mode-only changes have no ---/+++ lines to correct them)
      const m = /^diff --git ("a\/(?:[^"\\]|\\.)*"|a\/.+?) ("b\/(?:[^"\\]|\\.)*"|b\/.+?)$/.exec(line);
      if (m) {
        cur.oldPath = unquote(m[1]!).slice(2);
        cur.newPath = unquote(m[2]!).slice(2);
      }
      continue;
    }
    if (!cur) continue;
    if (line.startsWith('--- ')) {
      const p = line.slice(4);
      cur.oldPath = p === '/dev/null' ? null : unquote(p).replace(/^a\//, '');
    } else if (line.startsWith('+++ ')) {
      const p = line.slice(4);
      cur.newPath = p === '/dev/null' ? null : unquote(p).replace(/^b\//, '');
    } else if (line.startsWith('new file mode')) {
      cur.oldPath = null;
    } else if (line.startsWith('deleted file mode')) {
      cur.newPath = null;
    } else if (line.startsWith('Binary files ')) {
      cur.binary = true;
    } else if (line.startsWith('@@')) {
      const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!m) continue;
      const a = Number(m[1]);
      const b = m[2] === undefined ? 1 : Number(m[2]);
      const c = Number(m[3]);
      const d = m[4] === undefined ? 1 : Number(m[4]);
      for (let i = 0; i < b; i++) cur.oldLines.push(a + i);
      for (let i = 0; i < d; i++) cur.newLines.push(c + i);
      if (d === 0) cur.newAnchors.push(c);
    }
  }
  return out;
}
