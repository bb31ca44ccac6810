/** Characters a piece holds before it is handed out (see {@link jsonPieces}). */
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
  /** Characters a piece holds before it is handed out (default a mebibyte). */
  pieceChars?: number;
}

const isContainer = (v: unknown): v is object =>
  typeof v === 'object' && v !== null && (Array.isArray(v) || typeof (v as { toJSON?: unknown }).toJSON !== 'function');

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const isOmitted = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/**
 * The text `JSON.stringify(value, null, space)` makes, in pieces of about a mebibyte. An answer
 * listing every path of a large change can be longer than the longest string V8 makes (about
 * 2^29 characters): as one string it fails ("Invalid string length") after the decision was
 * made, and short of that it holds the text twice over (the string, then its UTF-8 copy). Here
 * only a piece is whole at a time.
 *
 * Objects and arrays down to `splitDepth` are written member by member; each value below them
 * (a path, a reason) is JSON.stringify's own text, indented to its place. That is exact because
 * JSON.stringify never writes a line break inside a string (it escapes them). Made for plain
 * data: a value's `toJSON` is honoured as JSON.stringify honours it.
 */
export function* jsonPieces(value: unknown, { space = 0, splitDepth = 2, pieceChars = PIECE_CHARS }: JsonPiecesOptions = {}): Generator<string> {
  const gap = ' '.repeat(Math.max(0, Math.min(10, Math.floor(space))));
  const parts: string[] = [];
  let size = 0;
  const put = (s: string): void => {
    parts.push(s);
    size += s.length;
  };
  const whole = (v: unknown, indent: string): string | undefined => {
    const s = JSON.stringify(v, null, gap);
    return s === undefined || gap === '' || indent === '' ? s : s.replaceAll('\n', `\n${indent}`);
  };

  function* write(v: unknown, depth: number, indent: string): Generator<string> {
    if (size >= pieceChars) {
      yield parts.join('');
      parts.length = 0;
      size = 0;
    }
    if (depth >= splitDepth || !isContainer(v)) {
      put(whole(v, indent) ?? 'null');
      return;
    }
    const inner = indent + gap;
    const open = gap === '' ? '' : `\n${inner}`;
    if (Array.isArray(v)) {
      if (v.length === 0) return put('[]');
      for (let i = 0; i < v.length; i++) {
        put(i === 0 ? `[${open}` : `,${open}`);
        const el: unknown = v[i];
        if (isOmitted(el)) put('null');
        else yield* write(el, depth + 1, inner);
      }
      put(gap === '' ? ']' : `\n${indent}]`);
      return;
    }
    let first = true;
    for (const key of Object.keys(v)) {
      let member: unknown = (v as Record<string, unknown>)[key];
      if (typeof (member as { toJSON?: unknown } | null)?.toJSON === 'function') member = (member as { toJSON: (k: string) => unknown }).toJSON(key);
      if (isOmitted(member)) continue;
      put(`${first ? '{' : ','}${open}${JSON.stringify(key)}${gap === '' ? ':' : ': '}`);
      first = false;
      yield* write(member, depth + 1, inner);
    }
    put(first ? '{}' : gap === '' ? '}' : `\n${indent}}`);
  }

  if (isOmitted(value) || (!isContainer(value) && whole(value, '') === undefined)) return;
  yield* write(value, 0, '');
  if (parts.length > 0) yield parts.join('');
}
