// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { isNameOrFunction, returnedValues } from './syntax.js';

/**
 * An outline is a file with the contents of some bodies replaced by whitespace: a body is blanked
 * when its declaration states the type the checker would otherwise infer from it (a return type
 * annotation; setters never contribute one), unless it may return a function value (a factory:
 * the walk reads what it returns; one declared to return data that can hold a function is in the
 * outline's ranges but shown, see outlineOf). Everything the checker resolves in other files —
 * declarations, signatures, class members, inferred types of unannotated functions — is unchanged,
 * and line breaks are kept, so positions and line numbers are those of the real file.
 *
 * JavaScript is never outlined (its types are inferred from bodies), and constructors are kept
 * (with `noImplicitAny` a property's type is inferred from constructor assignments).
 */
export type OutlineRanges = [number, number][];

export function outlineRanges(sf: ts.SourceFile): OutlineRanges {
  return outlineOf(sf).ranges;
}

/**
 * An outline's ranges, and of them the bodies that may return a function: declared to return
 * data that can hold one (`Promise<Fee>`, `Fee[]`, `Map<string, Fee>`, a type the outline cannot
 * tell from data) and returning a name or a function (`return settle`). A walk of another file
 * that takes what such a function returns (`const s = await make(); s(1)`, a value stored from a
 * call) reads those returns, so a program holding the file only as context shows these bodies (it
 * blanks the others, see blankedRanges), as a program holding it in full would: a large repository
 * split over several programs finds what one program finds. The outline key and positions are
 * still counted without them (an edit there changes no importer that does not take returns); the
 * file's returns key digests them, and the entries that read returns depend on it.
 */
export function outlineOf(sf: ts.SourceFile): { ranges: OutlineRanges; returning: OutlineRanges } {
  const ranges: OutlineRanges = [];
  const returning: OutlineRanges = [];
  if (/\.[mc]?jsx?$/.test(sf.fileName) || isModuleByUseAlone(sf)) return { ranges, returning };
  const visit = (n: ts.Node): void => {
    const body = blankableBody(n);
    // the contents between the braces; nested bodies go with it
    if (!body) return n.forEachChild(visit);
    const range: [number, number] = [body.getStart(sf) + 1, body.end - 1];
    ranges.push(range);
    const type = (n as ts.SignatureDeclaration).type;
    if (type && mayHoldFunction(type) && returnsNameOrFunction(body)) returning.push(range);
  };
  sf.forEachChild(visit);
  return { ranges, returning };
}

/**
 * A module with no import or export (one that uses `import.meta`): blanking the body that holds
 * that use would turn its outline into a script, whose names every other file of the program
 * sees, while its facts say it declares none. Such a file is taken whole.
 */
function isModuleByUseAlone(sf: ts.SourceFile): boolean {
  return ts.isExternalModule(sf) && !sf.statements.some(isModuleSyntax);
}

function isModuleSyntax(st: ts.Statement): boolean {
  if (ts.isImportDeclaration(st) || ts.isExportDeclaration(st) || ts.isExportAssignment(st)) return true;
  // as the compiler tells a module: `import x = require('…')` is one, `import x = N.y` is not
  if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference)) return true;
  return hasExport(st);
}

const hasExport = (st: ts.Statement): boolean => ts.canHaveModifiers(st) && (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

function blankableBody(n: ts.Node): ts.Block | undefined {
  if (ts.isSetAccessorDeclaration(n)) return n.body;
  if (
    (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n)) &&
    n.type &&
    n.body &&
    ts.isBlock(n.body) &&
    !mayReturnFunction(n.type, n.body)
  ) {
    return n.body;
  }
  return undefined;
}

/**
 * Type references that never name something callable: a function returning one returns data.
 * What counts as data decides both the outlines (kept in each file's cached facts, under the cache
 * format) and which returns the walk reads (holdsNoFunction, keyed by the code version): a change
 * here needs a new cache format, or cached outlines would blank bodies the walk now reads.
 */
const DATA_TYPES = new Set(['Promise', 'Array', 'ReadonlyArray', 'Map', 'Set', 'ReadonlyMap', 'ReadonlySet', 'Record', 'Date', 'RegExp', 'Error']);

/**
 * Whether a body may return a function value: a function written in a `return`, or a name
 * (`return settle`, `return handlers.pay`), unless the declared return type is plain data. A
 * factory's body is what the walk reads for `const s = make(); s()`, so it is kept.
 */
function mayReturnFunction(type: ts.TypeNode, body: ts.Block): boolean {
  return !isDataType(type) && returnsNameOrFunction(body);
}

/** Whether a body returns a function written there, or a name (`return settle`, `return handlers.pay`). */
const returnsNameOrFunction = (body: ts.Block): boolean => returnedValues(body).some(isNameOrFunction);

function isDataType(t: ts.TypeNode): boolean {
  switch (t.kind) {
    case ts.SyntaxKind.NumberKeyword:
    case ts.SyntaxKind.StringKeyword:
    case ts.SyntaxKind.BooleanKeyword:
    case ts.SyntaxKind.VoidKeyword:
    case ts.SyntaxKind.UndefinedKeyword:
    case ts.SyntaxKind.NeverKeyword:
    case ts.SyntaxKind.BigIntKeyword:
    case ts.SyntaxKind.SymbolKeyword:
    case ts.SyntaxKind.ArrayType:
    case ts.SyntaxKind.TupleType:
    case ts.SyntaxKind.LiteralType:
    case ts.SyntaxKind.TypePredicate:
      return true;
    case ts.SyntaxKind.UnionType:
      return (t as ts.UnionTypeNode).types.every(isDataType);
    case ts.SyntaxKind.TypeReference: {
      const name = (t as ts.TypeReferenceNode).typeName;
      return ts.isIdentifier(name) && DATA_TYPES.has(name.text);
    }
    default:
      return false;
  }
}

/** Whether a type the outline counts as data may still hold a function: in a type argument, an element, a union member. */
function mayHoldFunction(t: ts.TypeNode): boolean {
  if (ts.isArrayTypeNode(t)) return mayHoldFunction(t.elementType);
  if (ts.isTupleTypeNode(t)) return t.elements.some((e) => mayHoldFunction(ts.isNamedTupleMember(e) ? e.type : e));
  if (ts.isOptionalTypeNode(t) || ts.isRestTypeNode(t)) return mayHoldFunction(t.type);
  if (ts.isUnionTypeNode(t)) return t.types.some(mayHoldFunction);
  if (ts.isTypeReferenceNode(t)) {
    const name = t.typeName;
    return !(ts.isIdentifier(name) && DATA_TYPES.has(name.text)) || (t.typeArguments ?? []).some(mayHoldFunction);
  }
  return !isDataType(t);
}

/**
 * Whether a declared return type is data that holds no function (`number`, `string[]`,
 * `Promise<number[]>`): the outline blanks such a body even when it returns a name, and the walk
 * takes the type at its word and does not follow what it returns (see call-targets.ts), so a
 * program holding the file in full finds what one holding its outline finds.
 */
export function holdsNoFunction(t: ts.TypeNode): boolean {
  return isDataType(t) && !mayHoldFunction(t);
}

/**
 * What a program holding the file only as context blanks: the outline's bodies without those
 * that may return a function (`returning`, a subset of `outline`), which it shows.
 */
export function blankedRanges(outline: OutlineRanges, returning: OutlineRanges): OutlineRanges {
  if (returning.length === 0) return outline;
  const shown = new Set(returning.map(([s]) => s));
  return outline.filter(([s]) => !shown.has(s));
}

/** How many characters a program holding the file only as context blanks (see blankedRanges). */
export function blankedChars(outline: OutlineRanges, returning: OutlineRanges): number {
  return blankedRanges(outline, returning).reduce((b, [s, e]) => b + e - s, 0);
}

/** Whether `returning` is a well-formed list of some of `outline`'s ranges, as facts give them (both ascending). */
export function validReturning(returning: unknown, outline: OutlineRanges, chars: number): returning is OutlineRanges {
  if (!validOutline(returning, chars)) return false;
  let i = 0;
  for (const [s, e] of returning) {
    while (i < outline.length && outline[i]![0] < s) i++;
    if (i === outline.length || outline[i]![0] !== s || outline[i]![1] !== e) return false;
  }
  return true;
}

/** Whether `ranges` (from a cache, so untrusted) are ascending, disjoint and inside a text of `chars` characters. */
export function validOutline(ranges: unknown, chars: number): ranges is OutlineRanges {
  if (!Array.isArray(ranges)) return false;
  let last = 0;
  for (const r of ranges as unknown[]) {
    if (!Array.isArray(r) || r.length !== 2) return false;
    const [s, e] = r as unknown[];
    if (!Number.isInteger(s) || !Number.isInteger(e)) return false;
    const start = s as number;
    const end = e as number;
    if (start < last + 1 || end < start || end >= chars) return false;
    last = end + 1;
  }
  return true;
}

/** Whether valid `ranges` fit `text`: each between a pair of its braces. */
export function outlineFits(ranges: OutlineRanges, text: string): boolean {
  return ranges.every(([s, e]) => e < text.length && text[s - 1] === '{' && text[e] === '}');
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
