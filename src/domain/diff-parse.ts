import type { ChangedFile, DiffLine, FileOperation, Hunk } from './change.js';

/**
 * Parses a unified diff (git's extended format or plain `diff -u`) into ChangedFile records.
 * Pure: bytes in, records out. Renames, copies, mode changes, binary files, submodules and
 * non-UTF-8 content become flags on the record rather than errors; a malformed hunk throws
 * `DiffParseError` naming the line so a broken patch is never half-reviewed silently.
 */

export class DiffParseError extends Error {
  constructor(
    message: string,
    readonly lineNumber: number,
  ) {
    super(`line ${lineNumber}: ${message}`);
    this.name = 'DiffParseError';
  }
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Lossy = new TextDecoder('utf-8');

interface Line {
  text: string;
  /** the bytes of this line were not valid UTF-8 */
  bad: boolean;
}

function splitLines(input: Uint8Array | string): Line[] {
  if (typeof input === 'string') return input.split('\n').map((text) => ({ text: stripCr(text), bad: false }));
  try {
    return utf8Strict
      .decode(input)
      .split('\n')
      .map((text) => ({ text: stripCr(text), bad: false }));
  } catch {
    // Decode line by line so only the offending file is marked non-UTF-8.
    const out: Line[] = [];
    let start = 0;
    for (let i = 0; i <= input.length; i++) {
      if (i === input.length || input[i] === 0x0a) {
        const bytes = input.subarray(start, i);
        let text: string;
        let bad = false;
        try {
          text = utf8Strict.decode(bytes);
        } catch {
          text = utf8Lossy.decode(bytes);
          bad = true;
        }
        out.push({ text: stripCr(text), bad });
        start = i + 1;
      }
    }
    return out;
  }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/** Undoes git's C-style quoting of unusual paths ("a/caf\303\251.txt"). */
export function unquoteGitPath(p: string): string {
  if (!(p.length >= 2 && p.startsWith('"') && p.endsWith('"'))) return p;
  const body = p.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
      continue;
    }
    const n = body[i + 1] ?? '';
    if (/[0-7]/.test(n)) {
      const oct = body.slice(i + 1, i + 4);
      bytes.push(parseInt(oct, 8));
      i += 3;
    } else if (n in simple) {
      bytes.push(simple[n]!);
      i += 1;
    } else {
      bytes.push(92);
    }
  }
  return utf8Lossy.decode(Uint8Array.from(bytes));
}

/** Strips the a/ or b/ prefix git adds (and the timestamp plain `diff -u` appends after a tab). */
function headerPath(raw: string, gitStyle: boolean): string | null {
  let p = raw;
  if (!p.startsWith('"')) {
    const tab = p.indexOf('\t');
    if (tab >= 0) p = p.slice(0, tab);
  }
  p = unquoteGitPath(p.trim());
  if (p === '/dev/null') return null;
  if (gitStyle || /^[ab]\//.test(p)) {
    if (p.startsWith('a/') || p.startsWith('b/')) p = p.slice(2);
  }
  return p;
}

/** Paths from "diff --git a/X b/Y"; ambiguous when names contain " b/", so other headers win. */
function pathsFromDiffGit(rest: string): { oldPath: string; newPath: string } | null {
  if (rest.startsWith('"')) {
    const m = /^("(?:[^"\\]|\\.)*")\s+(.*)$/.exec(rest);
    if (!m) return null;
    return { oldPath: stripPrefix(unquoteGitPath(m[1]!)), newPath: stripPrefix(unquoteGitPath(m[2]!)) };
  }
  if (rest.endsWith('"')) {
    const m = /^(\S.*?)\s+("(?:[^"\\]|\\.)*")$/.exec(rest);
    if (!m) return null;
    return { oldPath: stripPrefix(m[1]!), newPath: stripPrefix(unquoteGitPath(m[2]!)) };
  }
  // Same name on both sides is the common case: "a/X b/X" has its split exactly in the middle.
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === ' ') {
    const a = rest.slice(0, half);
    const b = rest.slice(half + 1);
    if (stripPrefix(a) === stripPrefix(b)) return { oldPath: stripPrefix(a), newPath: stripPrefix(b) };
  }
  const idx = rest.indexOf(' b/');
  if (idx < 0) return null;
  return { oldPath: stripPrefix(rest.slice(0, idx)), newPath: stripPrefix(rest.slice(idx + 1)) };
}

function stripPrefix(p: string): string {
  return p.startsWith('a/') || p.startsWith('b/') ? p.slice(2) : p;
}

interface Draft {
  oldPath: string | null;
  newPath: string | null;
  op: FileOperation | null;
  oldMode?: string;
  newMode?: string;
  similarity?: number;
  binary: boolean;
  submodule: boolean;
  nonUtf8: boolean;
  hunks: Hunk[];
  additions: number;
  deletions: number;
  sawDiffGit: boolean;
}

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

export function parseUnifiedDiff(input: Uint8Array | string): ChangedFile[] {
  const lines = splitLines(input);
  // the newline that ends the last line does not start another (empty) line
  if (lines.length > 0 && lines[lines.length - 1]!.text === '' && !lines[lines.length - 1]!.bad) lines.pop();
  const files: ChangedFile[] = [];
  let cur: Draft | null = null;

  const finish = (): void => {
    if (cur) files.push(finalize(cur));
    cur = null;
  };
  const fresh = (sawDiffGit: boolean): Draft => ({
    oldPath: null,
    newPath: null,
    op: null,
    binary: false,
    submodule: false,
    nonUtf8: false,
    hunks: [],
    additions: 0,
    deletions: 0,
    sawDiffGit,
  });

  let i = 0;
  while (i < lines.length) {
    const { text, bad } = lines[i]!;
    if (text.startsWith('diff --git ')) {
      finish();
      cur = fresh(true);
      if (bad) cur.nonUtf8 = true;
      const p = pathsFromDiffGit(text.slice('diff --git '.length));
      if (p) {
        cur.oldPath = p.oldPath;
        cur.newPath = p.newPath;
      }
      i++;
      continue;
    }
    if (text.startsWith('--- ') && lines[i + 1]?.text.startsWith('+++ ') && (cur === null || !cur.sawDiffGit || cur.hunks.length > 0)) {
      // A plain unified diff (no "diff --git" header) starts a new file at its "---" line.
      finish();
      cur = fresh(false);
    }
    if (cur === null) {
      i++; // preamble (e.g. a commit message in `git format-patch` output)
      continue;
    }
    const d: Draft = cur;
    if (bad) d.nonUtf8 = true;
    if (text.startsWith('--- ')) {
      const p = headerPath(text.slice(4), d.sawDiffGit);
      d.oldPath = p;
      if (p === null) d.op = 'added';
    } else if (text.startsWith('+++ ')) {
      const p = headerPath(text.slice(4), d.sawDiffGit);
      d.newPath = p;
      if (p === null) d.op = 'deleted';
    } else if (text.startsWith('old mode ')) {
      d.oldMode = text.slice(9).trim();
    } else if (text.startsWith('new mode ')) {
      d.newMode = text.slice(9).trim();
    } else if (text.startsWith('deleted file mode ')) {
      d.op = 'deleted';
      d.oldMode = text.slice(18).trim();
      d.newPath = null;
    } else if (text.startsWith('new file mode ')) {
      d.op = 'added';
      d.newMode = text.slice(14).trim();
      d.oldPath = null;
    } else if (text.startsWith('rename from ')) {
      d.op = 'renamed';
      d.oldPath = unquoteGitPath(text.slice(12));
    } else if (text.startsWith('rename to ')) {
      d.op = 'renamed';
      d.newPath = unquoteGitPath(text.slice(10));
    } else if (text.startsWith('copy from ')) {
      d.op = 'copied';
      d.oldPath = unquoteGitPath(text.slice(10));
    } else if (text.startsWith('copy to ')) {
      d.op = 'copied';
      d.newPath = unquoteGitPath(text.slice(8));
    } else if (text.startsWith('similarity index ') || text.startsWith('dissimilarity index ')) {
      const n = parseInt(text.replace(/^\D+/, ''), 10);
      if (Number.isFinite(n) && n >= 0 && n <= 100) d.similarity = n;
    } else if (text.startsWith('index ')) {
      const m = /^index \S+\.\.\S+(?: (\d+))?$/.exec(text);
      if (m?.[1]) {
        d.oldMode ??= m[1];
        d.newMode ??= m[1];
      }
    } else if (text.startsWith('Binary files ') || text === 'GIT binary patch') {
      d.binary = true;
      const m = /^Binary files (.+) and (.+) differ$/.exec(text);
      if (m) {
        const o = headerPath(m[1]!, d.sawDiffGit);
        const n = headerPath(m[2]!, d.sawDiffGit);
        if (o === null) d.op = 'added';
        if (n === null) d.op = 'deleted';
      }
      if (text === 'GIT binary patch') {
        // skip the base85 payload: it ends at the first blank line after the second block
        i++;
        let blanks = 0;
        while (i < lines.length && !lines[i]!.text.startsWith('diff --git ')) {
          if (lines[i]!.text === '') blanks++;
          if (blanks >= 2) break;
          i++;
        }
      }
    } else if (text.startsWith('@@ ')) {
      i = parseHunk(lines, i, d);
      continue;
    }
    i++;
  }
  finish();
  return files;
}

function parseHunk(lines: Line[], start: number, d: Draft): number {
  const m = HUNK_RE.exec(lines[start]!.text);
  if (!m) throw new DiffParseError(`malformed hunk header ${JSON.stringify(lines[start]!.text.slice(0, 80))}`, start + 1);
  const oldStart = parseInt(m[1]!, 10);
  const oldLines = m[2] === undefined ? 1 : parseInt(m[2], 10);
  const newStart = parseInt(m[3]!, 10);
  const newLines = m[4] === undefined ? 1 : parseInt(m[4], 10);
  const hunk: Hunk = { oldStart, oldLines, newStart, newLines, section: m[5] ?? '', lines: [] };
  let oldNo = oldStart;
  let newNo = newStart;
  let oldLeft = oldLines;
  let newLeft = newLines;
  let i = start + 1;
  while (oldLeft > 0 || newLeft > 0) {
    const line = lines[i];
    if (line === undefined) throw new DiffParseError(`hunk ends early (expected ${oldLeft} old and ${newLeft} new lines more)`, i + 1);
    if (line.bad) d.nonUtf8 = true;
    const t = line.text;
    const tag = t[0];
    let dl: DiffLine;
    if (tag === '+') {
      dl = { kind: 'add', text: t.slice(1), newLine: newNo++ };
      newLeft--;
      d.additions++;
    } else if (tag === '-') {
      dl = { kind: 'del', text: t.slice(1), oldLine: oldNo++ };
      oldLeft--;
      d.deletions++;
    } else if (tag === ' ' || t === '') {
      // an empty line is a context line whose leading space was eaten by an editor or mailer
      dl = { kind: 'context', text: t.slice(1), oldLine: oldNo++, newLine: newNo++ };
      oldLeft--;
      newLeft--;
    } else if (tag === '\\') {
      i++;
      continue;
    } else {
      throw new DiffParseError(`unexpected line in hunk ${JSON.stringify(t.slice(0, 80))}`, i + 1);
    }
    if (oldLeft < 0 || newLeft < 0) throw new DiffParseError('hunk longer than its header says', i + 1);
    hunk.lines.push(dl);
    i++;
  }
  if (lines[i]?.text.startsWith('\\')) i++; // "\ No newline at end of file" after the last line
  if (hunk.lines.some((l) => l.text.startsWith('Subproject commit '))) {
    if (hunk.lines.every((l) => l.kind === 'context' || l.text.startsWith('Subproject commit '))) d.submodule = true;
  }
  d.hunks.push(hunk);
  return i;
}

function finalize(d: Draft): ChangedFile {
  const oldPath = d.op === 'added' ? null : d.oldPath;
  const newPath = d.op === 'deleted' ? null : d.newPath;
  let op: FileOperation;
  if (d.op) op = d.op;
  else if (oldPath !== null && newPath !== null && oldPath !== newPath) op = 'renamed';
  else if (d.oldMode && d.newMode && d.oldMode !== d.newMode && d.hunks.length === 0) op = 'mode-changed';
  else op = 'modified';
  const submodule = d.submodule || d.oldMode === '160000' || d.newMode === '160000';
  const status = submodule ? 'submodule' : d.binary ? 'binary' : op;
  const path = newPath ?? oldPath ?? '(unknown)';
  const file: ChangedFile = {
    path,
    oldPath,
    newPath,
    status,
    operation: op,
    binary: d.binary,
    submodule,
    nonUtf8: d.nonUtf8,
    additions: d.additions,
    deletions: d.deletions,
    hunks: submodule ? [] : d.hunks,
  };
  if (d.oldMode !== undefined) file.oldMode = d.oldMode;
  if (d.newMode !== undefined) file.newMode = d.newMode;
  if (d.similarity !== undefined) file.similarity = d.similarity;
  return file;
}
