/** Characters of text a piece holds before it is handed out (see {@link jsonPieces}). */
const PIECE_CHARS = 1 << 20;

/** How the text is cut (see {@link jsonPieces}). */
export interface JsonPiecesOptions {
  /** Indentation, as JSON.stringify's `space` (default none). */
  space?: number;
  /**
   * How deep the objects and arrays are that are written member by member (default 2: the top
   * object, and the objects and arrays it holds); a value below them is stringified whole.
   */
  splitDepth?: number;
  /** Characters of text a piece holds before it is handed out (default a mebibyte). */
  pieceChars?: number;
}

const hasToJSON = (v: unknown): boolean => typeof (v as { toJSON?: unknown } | null | undefined)?.toJSON === 'function';

/**
 * What is written member by member: an array, or an object of no other class (a Date, a boxed
 * primitive, a Map is JSON.stringify's to write), neither with a `toJSON`.
 */
function isContainer(v: unknown): v is object {
  if (typeof v !== 'object' || v === null || hasToJSON(v)) return false;
  if (Array.isArray(v)) return true;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * The text `JSON.stringify(value, null, space)` makes, as UTF-8 in pieces of about a mebibyte. An
 * answer listing every path of a large change can be longer than the longest string V8 makes
 * (about 2^29 characters): as one string it fails ("Invalid string length") after the decision
 * was made, and short of that it is held twice over (the string, then its UTF-8 copy). Here a
 * piece at a time is.
 *
 * Objects and arrays down to `splitDepth` are written member by member, with JSON.stringify's own
 * text for each value below them (a path, a reason) or run of them. That is exact because
 * JSON.stringify never writes a line break inside a string (it escapes them). Made for plain
 * data: a value's `toJSON` is honoured as JSON.stringify honours it.
 */
export function* jsonPieces(value: unknown, { space = 0, splitDepth = 2, pieceChars: asked = PIECE_CHARS }: JsonPiecesOptions = {}): Generator<Buffer> {
  const pieceChars = Number.isFinite(asked) && asked >= 1 ? asked : PIECE_CHARS;
  const gap = ' '.repeat(Math.max(0, Math.min(10, Math.floor(space))));
  const parts: string[] = [];
  let size = 0;
  const put = (s: string): void => {
    parts.push(s);
    size += s.length;
  };
  /** The parts gathered so far, as one piece. */
  function* flush(): Generator<Buffer> {
    if (parts.length === 0) return;
    yield Buffer.from(parts.join(''), 'utf8');
    parts.length = 0;
    size = 0;
  }
  const placed = (s: string, indent: string): string => (gap === '' || indent === '' ? s : s.replaceAll('\n', `\n${indent}`));
  /**
   * The text of a member that is not written member by member, placed at `indent`; undefined when
   * JSON.stringify leaves it out. Stringified as the member of an object of its own, so that a
   * `toJSON` is called once, with the member's key, as in the whole.
   */
  const memberText = (key: string, v: unknown, indent: string): string | undefined => {
    if (!hasToJSON(v)) {
      const s = JSON.stringify(v, null, gap);
      return s === undefined ? s : placed(s, indent);
    }
    const s = JSON.stringify({ [key]: v }, null, gap);
    if (s === '{}') return undefined;
    // `{`, a line break and one indent, the key, `:` and a space; at the end a line break and `}`
    const head = 1 + (gap === '' ? 0 : 1 + gap.length) + JSON.stringify(key).length + (gap === '' ? 1 : 2);
    // the wrapper already indents the member's own lines by one level
    return placed(s.slice(head, s.length - (gap === '' ? 1 : 2)), indent.slice(gap.length));
  };

  /**
   * The members of an array below the split depth, a run at a time, each run a piece of its own:
   * one call of JSON.stringify per member is about ten times slower than one for all, and
   * joining, cutting or re-indenting a run's text copies it (each fresh megabyte costs this kind
   * of host hundreds of page faults). So the run is wrapped in as many arrays as the array is
   * deep, for JSON.stringify itself to indent its members to their place, and the wrapping is cut
   * off the UTF-8 (a view, not a copy: it is all ASCII). A run is sized to about a piece from the
   * length of the last.
   */
  function* runsOf(v: unknown[], depth: number): Generator<Buffer> {
    const d = gap === '' ? 0 : depth;
    // before the innermost array's members: per level `[`, a line break and that level's indent,
    // then `[`; after them: per level down to the top, a line break, that level's indent and `]`
    const head = gap === '' ? 1 : 2 * d + (gap.length * d * (d + 1)) / 2 + 1;
    const tail = gap === '' ? 1 : 2 * (d + 1) + (gap.length * d * (d + 1)) / 2;
    let n = 1;
    for (let i = 0; i < v.length;) {
      let wrapped: unknown = v.slice(i, i + n);
      for (let k = 0; k < d; k++) wrapped = [wrapped];
      const text = JSON.stringify(wrapped, null, gap);
      yield* flush();
      // the innermost `[` opens the array's text, or becomes the `,` after the run before
      const bytes = Buffer.from(text, 'utf8');
      if (i > 0) bytes[head - 1] = 0x2c;
      yield bytes.subarray(head - 1, bytes.length - tail);
      i += n;
      // at most doubling: the first members say little about the rest
      n = Math.max(1, Math.min(2 * n, Math.floor((n * pieceChars) / Math.max(text.length, 1))));
    }
  }

  function* write(v: object, depth: number, indent: string): Generator<Buffer> {
    const inner = indent + gap;
    const open = gap === '' ? '' : `\n${inner}`;
    const deeper = depth + 1 < splitDepth;
    if (Array.isArray(v)) {
      if (v.length === 0) return put('[]');
      // a member's toJSON is given its index in the whole array, which a run cannot give
      if (!deeper && !v.some(hasToJSON)) yield* runsOf(v, depth);
      else
        for (let i = 0; i < v.length; i++) {
          put(i === 0 ? `[${open}` : `,${open}`);
          const el: unknown = v[i];
          if (deeper && isContainer(el)) yield* write(el, depth + 1, inner);
          else put(memberText(String(i), el, inner) ?? 'null');
          if (size >= pieceChars) yield* flush();
        }
      put(gap === '' ? ']' : `\n${indent}]`);
      return;
    }
    let first = true;
    for (const key of Object.keys(v)) {
      const m: unknown = (v as Record<string, unknown>)[key];
      const nested = deeper && isContainer(m);
      const text = nested ? '' : memberText(key, m, inner);
      if (text === undefined) continue;
      put(`${first ? '{' : ','}${open}${JSON.stringify(key)}${gap === '' ? ':' : ': '}`);
      first = false;
      if (nested) yield* write(m, depth + 1, inner);
      else put(text);
      if (size >= pieceChars) yield* flush();
    }
    put(first ? '{}' : gap === '' ? '}' : `\n${indent}}`);
  }

  if (splitDepth < 1 || !isContainer(value)) {
    const s = JSON.stringify(value, null, gap);
    if (s !== undefined) yield Buffer.from(s, 'utf8');
    return;
  }
  yield* write(value, 0, '');
  yield* flush();
}
