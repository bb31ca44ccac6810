// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');

/**
 * An outline is a file with the contents of some bodies replaced by whitespace: a body is blanked
 * when its declaration states the type the checker would otherwise infer from it (a return type
 * annotation; setters never contribute one). Everything the checker resolves in other files —
 * declarations, signatures, class members, inferred types of unannotated functions — is unchanged,
 * and line breaks are kept, so positions and line numbers are those of the real file.
 *
 * JavaScript is never outlined (its types are inferred from bodies), and constructors are kept
 * (with `noImplicitAny` a property's type is inferred from constructor assignments).
 */
export type OutlineRanges = [number, number][];

export function outlineRanges(sf: ts.SourceFile): OutlineRanges {
  if (/\.[mc]?jsx?$/.test(sf.fileName)) return [];
  const out: OutlineRanges = [];
  const visit = (n: ts.Node): void => {
    const body = blankableBody(n);
    // the contents between the braces; nested bodies go with it
    if (body) out.push([body.getStart(sf) + 1, body.end - 1]);
    else n.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return out;
}

function blankableBody(n: ts.Node): ts.Block | undefined {
  if (ts.isSetAccessorDeclaration(n)) return n.body;
  if (
    (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n)) &&
    n.type &&
    n.body &&
    ts.isBlock(n.body)
  ) {
    return n.body;
  }
  return undefined;
}

/** Whether `ranges` (from a cache, so untrusted) are ascending, disjoint, inside `text` and each between a pair of braces. */
export function validOutline(ranges: unknown, text: string): ranges is OutlineRanges {
  if (!Array.isArray(ranges)) return false;
  let last = 0;
  for (const r of ranges as unknown[]) {
    if (!Array.isArray(r) || r.length !== 2) return false;
    const [s, e] = r as unknown[];
    if (!Number.isInteger(s) || !Number.isInteger(e)) return false;
    const start = s as number;
    const end = e as number;
    if (start < last + 1 || end < start || end >= text.length || text[start - 1] !== '{' || text[end] !== '}') return false;
    last = end + 1;
  }
  return true;
}

/** `text` with every character of the ranges except line breaks turned into a space (same length, same lines). */
export function blankRanges(text: string, ranges: OutlineRanges): string {
  const parts: string[] = [];
  let at = 0;
  for (const [s, e] of ranges) {
    parts.push(
      text.slice(at, s),
      text.slice(s, e).replace(/[^\n\r\u2028\u2029]+/g, (run) => ' '.repeat(run.length)),
    );
    at = e;
  }
  parts.push(text.slice(at));
  return parts.join('');
}
