/**
 * Finds the line of a key in TOML source text. smol-toml reports no positions for values, so
 * config errors locate "the key's line" by re-scanning the text: table headers (`[a.b]`,
 * `[[a.b]]` with a per-array counter), and `key =` assignments (bare, quoted or dotted keys).
 * Good enough for hand-written config; multi-line strings and arrays are skipped over.
 */

type PathPart = string | number;

interface KeyLine {
  path: PathPart[];
  line: number;
}

function splitKey(raw: string): string[] {
  const parts: string[] = [];
  let i = 0;
  const s = raw.trim();
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (s[i] === '"' || s[i] === "'") {
      const q = s[i]!;
      const end = s.indexOf(q, i + 1);
      if (end < 0) return parts;
      parts.push(s.slice(i + 1, end));
      i = end + 1;
    } else {
      let j = i;
      while (j < s.length && s[j] !== '.') j++;
      parts.push(s.slice(i, j).trim());
      i = j;
    }
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (s[i] === '.') i++;
  }
  return parts;
}

/** The key part of `key = value`, or undefined when the line is no assignment. */
function assignmentKey(line: string): string | undefined {
  let inQuote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inQuote) {
      if (c === inQuote) inQuote = null;
    } else if (c === '"' || c === "'") inQuote = c;
    else if (c === '=') return line.slice(0, i);
    else if (c === '#') return undefined;
  }
  return undefined;
}

/** Every key and table header with its 1-based line, in document order. */
export function scanTomlKeys(text: string): KeyLine[] {
  const out: KeyLine[] = [];
  const arrayCounts = new Map<string, number>();
  let table: PathPart[] = [];
  const lines = text.split(/\r?\n/);
  let multiline: string | null = null;
  let bracketDepth = 0;
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    if (multiline) {
      if (raw.includes(multiline)) multiline = null;
      continue;
    }
    if (bracketDepth > 0) {
      bracketDepth += count(raw, '[') - count(raw, ']');
      continue;
    }
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const arr = /^\[\[\s*(.+?)\s*\]\]/.exec(line);
    if (arr) {
      const key = splitKey(arr[1]!);
      const id = key.join('\u0000');
      const idx = arrayCounts.get(id) ?? 0;
      arrayCounts.set(id, idx + 1);
      table = [...key, idx];
      out.push({ path: table, line: n + 1 });
      continue;
    }
    const tbl = /^\[\s*(.+?)\s*\]/.exec(line);
    if (tbl) {
      table = splitKey(tbl[1]!);
      out.push({ path: table, line: n + 1 });
      continue;
    }
    const keyText = assignmentKey(line);
    if (keyText === undefined) continue;
    out.push({ path: [...table, ...splitKey(keyText)], line: n + 1 });
    const value = line.slice(keyText.length + 1).trim();
    for (const q of ['"""', "'''"]) {
      if (value.startsWith(q) && value.indexOf(q, 3) < 0) multiline = q;
    }
    if (value.startsWith('[')) {
      const depth = count(value, '[') - count(value, ']');
      if (depth > 0) bracketDepth = depth;
    }
  }
  return out;
}

function count(s: string, ch: string): number {
  let c = 0;
  for (const x of s) if (x === ch) c++;
  return c;
}

function samePrefix(a: PathPart[], b: PathPart[]): boolean {
  if (a.length > b.length) return false;
  return a.every((p, i) => String(p) === String(b[i]));
}

/**
 * The line of the deepest key/table that is a prefix of `path` (so a bad array element
 * reports the line of its key). Returns undefined when nothing matches.
 */
export function lineOf(text: string, path: readonly PathPart[]): number | undefined {
  let best: KeyLine | undefined;
  for (const k of scanTomlKeys(text)) {
    if (samePrefix(k.path, path as PathPart[]) && (!best || k.path.length > best.path.length)) best = k;
  }
  return best?.line;
}
