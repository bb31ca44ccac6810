// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { createHash } from 'node:crypto';
import { VIRTUAL_ROOT } from './compiler.js';
import { recordDefinitions, type FileDefinitions } from './definitions.js';
import { declarationNodesOf, validDeclarationNodes } from './node-index.js';
import { outlineImports } from './outline-imports.js';
import { mayNeedWholeLibrary } from './library-text.js';
import { blankedChars, blankedRanges, outlineOf, validOutline, validReturning, type OutlineRanges } from './outline.js';
import { inlineModuleSpecifier } from './syntax.js';
import type { TsAnalysisCache, TsFileFacts } from './model.js';
import { DEFINITION_KINDS } from '../types.js';
import type { VirtualRepository } from './virtual-repository.js';

/** Characters of source whose facts parses are kept for the program (see {@link collectFacts}). */
const HELD_PARSE_CHARS = 4_000_000;

/** The syntax facts of every file, and the parses made for them that a single program may reuse. */
export interface CollectedFacts {
  facts: Map<string, TsFileFacts>;
  /**
   * A parse made for the facts is the same tree the program would make of the file in full
   * (same text, language version and JSDoc mode; the binder only adds to it), so when the files
   * end up in one program it is handed over instead of parsing every file twice.
   */
  heldParses: Map<string, ts.SourceFile>;
}

/** Syntax facts of every file: cached by content, else from a parse of the file alone. */
export function collectFacts(repo: VirtualRepository, cache: TsAnalysisCache | undefined, budget: number): CollectedFacts {
  const facts = new Map<string, TsFileFacts>();
  const heldParses = new Map<string, ts.SourceFile>();
  let heldChars = 0;
  let heldBlanked = 0;
  for (const f of repo.all) {
    const known = cache?.facts.get(repo.factsKey(f));
    // a malformed entry is ignored like a missing one (a cache is never a source of truth)
    if (known && isWellFormedFactsOnce(known)) {
      facts.set(f, known);
      continue;
    }
    // no parent pointers: nothing the facts need reads them (the binder sets them when the
    // parse is handed to a program), and setting them is a walk over every node
    const sf = ts.createSourceFile(f, repo.text(f), { languageVersion: ts.ScriptTarget.ES2022, jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeInfo }, false);
    const fact = factsOfSourceFile(sf, f.slice(VIRTUAL_ROOT.length));
    if (heldChars >= 0) {
      heldParses.set(f, sf);
      heldChars += sf.text.length;
      heldBlanked += blankedChars(fact.outline, fact.returning);
      // beyond this the parses are not kept: a repository this large is split anyway, and
      // holding every parse at once would cost more memory than one program; likewise once
      // the outlines blank as much as they keep past one budget (the files will be split)
      if (heldChars > HELD_PARSE_CHARS || (heldChars > budget && heldBlanked >= heldChars - heldBlanked)) {
        heldParses.clear();
        heldChars = -1;
      }
    }
    facts.set(f, fact);
    cache?.facts.set(repo.factsKey(f), fact);
  }
  return { facts, heldParses };
}

/**
 * Facts a long-lived process has checked. A cache file it keeps from run to run is deeply frozen
 * (cache.ts), so an entry checked once is the same well-formed object on every later run; the
 * check is not made again (about 10 ms a run at 500 files).
 */
const checkedFacts = new WeakSet<object>();

function isWellFormedFactsOnce(known: TsFileFacts): boolean {
  if (checkedFacts.has(known)) return true;
  const ok = isWellFormedFacts(known);
  if (ok && Object.isFrozen(known)) checkedFacts.add(known);
  return ok;
}

/**
 * Checked without the text (the analysis reads a file it has facts of only when a program holds
 * it): positions within `chars`. Whether an outline's braces are where it says is checked when a program reads
 * the text (see the host).
 */
function isWellFormedFacts(known: TsFileFacts): boolean {
  return (
    Number.isInteger(known.chars) &&
    known.chars >= 0 &&
    typeof known.wholeLibrary === 'boolean' &&
    Array.isArray(known.defs) &&
    known.defs.every(isFileDefinition) &&
    Array.isArray(known.imports) &&
    Array.isArray(known.reexports) &&
    Array.isArray(known.outlineImports) &&
    Array.isArray(known.props) &&
    Array.isArray(known.arities) &&
    Array.isArray(known.invokes) &&
    known.invokes.every((e) => Array.isArray(e) && typeof e[0] === 'string' && Array.isArray(e[1]) && e[1].every(Number.isInteger) && Number.isInteger(e[2])) &&
    typeof known.global === 'boolean' &&
    typeof known.topLevelThis === 'boolean' &&
    validOutline(known.outline, known.chars) &&
    validReturning(known.returning, known.outline, known.chars) &&
    typeof known.outlineKey === 'string' &&
    /^[0-9a-f]{40}$/.test(known.outlineKey) &&
    typeof known.returnsKey === 'string' &&
    /^[0-9a-f]{40}$/.test(known.returnsKey) &&
    validDeclarationNodes(known.nodes, known.classMembers, known.chars)
  );
}

const KINDS = new Set<unknown>(DEFINITION_KINDS);

const isLine = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1;

function isFileDefinition(d: unknown): boolean {
  return Array.isArray(d) && d.length === 4 && typeof d[0] === 'string' && KINDS.has(d[1]) && isLine(d[2]) && isLine(d[3]) && d[2] <= d[3];
}

/** Syntax facts of one parsed file: parse errors, definitions, imported and re-exported specifiers. */
export function factsOfSourceFile(sf: ts.SourceFile, rel: string): TsFileFacts {
  const diags = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  if (diags.length > 0) {
    const d = diags[0]!;
    const line = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start).line + 1 : '?';
    return failedFacts(`syntax error near line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`, sf);
  }
  let rec: FileDefinitions;
  try {
    rec = recordDefinitions(sf, rel);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return failedFacts('nesting too deep to analyse', sf);
  }
  const { imports, reexports, commonJs } = moduleSpecifiers(sf);
  const { ranges: outline, returning } = outlineOf(sf);
  return {
    defs: rec.defs,
    imports,
    reexports,
    // the bodies a program shows of the file held as context count: their names are resolved there
    outlineImports: outlineImports(sf, blankedRanges(outline, returning), imports),
    outline,
    returning,
    outlineKey: outlineKeyOf(sf.text, outline, rec),
    returnsKey: returnsKeyOf(sf.text, returning),
    props: rec.valueProps,
    global: declaresGlobals(sf, commonJs),
    topLevelThis: usesTopLevelThis(sf),
    ...textFacts(sf),
    arities: rec.arities,
    invokes: rec.invokes,
    ...declarationNodesOf(rec),
  };
}

/**
 * See TsFileFacts.outlineKey. The text is taken without the blanked ranges (whose contents only
 * say how long a body is); the walk reads nothing else of an imported file that positions do not
 * also name afresh in every run (declarations are found by position in each program's parse; a
 * place named by position is counted without the blanked bodies, see
 * ProgramIndex.placePosition), the shown `returning` bodies included; what those return is keyed
 * apart (see returnsKeyOf).
 */
function outlineKeyOf(text: string, outline: OutlineRanges, rec: Pick<FileDefinitions, 'defs' | 'invokes' | 'valueProps' | 'arities'>): string {
  const h = createHash('sha1');
  let at = 0;
  for (const [start, end] of outline) {
    h.update(text.slice(at, start)).update('\0');
    at = end;
  }
  h.update(text.slice(at));
  h.update(`\n${JSON.stringify([rec.defs.map(([id, kind]) => [id, kind]), rec.invokes, rec.valueProps, rec.arities])}`);
  return h.digest('hex');
}

/** See TsFileFacts.returnsKey: the whole text of each outline body that may return a function (`returning`, see outline.ts). */
function returnsKeyOf(text: string, bodies: OutlineRanges): string {
  const h = createHash('sha1');
  for (const [start, end] of bodies) h.update(text.slice(start, end)).update('\0');
  return h.digest('hex');
}

/** What is known of a file's text without reading it again. */
function textFacts(sf: ts.SourceFile): Pick<TsFileFacts, 'chars' | 'wholeLibrary'> {
  return { chars: sf.text.length, wholeLibrary: mayNeedWholeLibrary(sf.text) };
}

/**
 * A file that cannot be analysed still takes part in every program that reaches it (the compiler
 * resolves through what it could parse), so its imports and whether it declares globals are kept.
 */
function failedFacts(error: string, sf: ts.SourceFile): TsFileFacts {
  const whole = createHash('sha1').update(sf.text).digest('hex');
  let specs: ModuleSpecifiers;
  try {
    specs = moduleSpecifiers(sf);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    specs = { ...topLevelSpecifiers(sf), commonJs: true };
  }
  return {
    defs: [],
    imports: specs.imports,
    reexports: specs.reexports,
    outlineImports: specs.imports,
    outline: [],
    returning: [],
    // nothing of it is analysed: its whole text stands for it
    outlineKey: whole,
    returnsKey: whole,
    props: [],
    global: declaresGlobals(sf, specs.commonJs),
    // what could not be walked is taken to use it
    topLevelThis: mayUseTopLevelThis(sf),
    ...textFacts(sf),
    arities: [],
    invokes: [],
    nodes: [],
    classMembers: [],
    error,
  };
}

interface ModuleSpecifiers {
  imports: string[];
  reexports: string[];
  /** Whether the code uses CommonJS (`require(…)`, `module.exports`, `exports.x`), which makes a JavaScript file a module. */
  commonJs: boolean;
}

const isJavaScript = (sf: ts.SourceFile): boolean => /\.[mc]?jsx?$/.test(sf.fileName);

/** Type imports written in JSDoc, which JavaScript files resolve like code: `import('./m')` and `@import … from './m'`. */
const JSDOC_IMPORTS = /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)|@import\s[^\n]*?\bfrom\s+(['"])([^'"\n]+)\3/g;

function topLevelSpecifiers(sf: ts.SourceFile): { imports: string[]; reexports: string[] } {
  const imports: string[] = [];
  const reexports: string[] = [];
  for (const st of sf.statements) {
    if ((ts.isExportDeclaration(st) || ts.isImportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      imports.push(st.moduleSpecifier.text);
      if (ts.isExportDeclaration(st)) reexports.push(st.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference) && ts.isStringLiteral(st.moduleReference.expression)) {
      imports.push(st.moduleReference.expression.text);
    }
  }
  return { imports, reexports };
}

/**
 * The module specifiers a file imports and re-exports: statements, `require`/`import()` with a
 * literal, `import('…')` types, and in JavaScript the JSDoc type imports.
 */
function moduleSpecifiers(sf: ts.SourceFile): ModuleSpecifiers {
  const { imports, reexports } = topLevelSpecifiers(sf);
  let commonJs = false;
  // read from the syntax, never the raw text, so a comment naming `require(` or `module.exports` changes nothing
  const visit = (n: ts.Node): void => {
    const spec = inlineModuleSpecifier(n);
    if (spec !== undefined) imports.push(spec);
    if (marksCommonJs(n)) commonJs = true;
    n.forEachChild(visit);
  };
  if (/\brequire\s*\(|\bimport\s*\(|\bexports\b/.test(sf.text)) sf.forEachChild(visit);
  if (isJavaScript(sf)) for (const m of sf.text.matchAll(JSDOC_IMPORTS)) imports.push(m[2] ?? m[4]!);
  return { imports: [...new Set(imports)], reexports, commonJs };
}

/** Not an ES module, and `this` somewhere in its text. */
const mayUseTopLevelThis = (sf: ts.SourceFile): boolean => !ts.isExternalModule(sf) && /\bthis\b/.test(sf.text);

/**
 * Whether a file that is not an ES module uses `this` outside every function (an arrow function's
 * `this` is its container's). In a script that is `globalThis`, whose type has every global as a
 * property. To be safe, a CommonJS file counts too (its `this` is `module.exports`), and so does
 * `this` in a class body outside its methods (the instance there, or the class).
 */
function usesTopLevelThis(sf: ts.SourceFile): boolean {
  if (!mayUseTopLevelThis(sf)) return false;
  const visit = (n: ts.Node): boolean | undefined => {
    if (n.kind === ts.SyntaxKind.ThisKeyword) return true;
    if (!ts.isFunctionLike(n) || ts.isArrowFunction(n)) return n.forEachChild(visit);
    // a function's own `this` is not the file's, but a computed name and the decorators of the
    // function and of its parameters are evaluated outside it
    const name = (n as { name?: ts.Node }).name;
    if (name && ts.isComputedPropertyName(name) && visit(name)) return true;
    const decorated = [n, ...n.parameters].flatMap((d) => (ts.canHaveDecorators(d) ? (ts.getDecorators(d) ?? []) : []));
    return decorated.some((d) => visit(d) === true) || undefined;
  };
  return sf.forEachChild(visit) === true;
}

/**
 * Forms that make TypeScript's binder take a JavaScript file for a CommonJS module (and so not a
 * script whose names are global): a `require(…)` call with one argument, an assignment of
 * anything but `void 0` to `module.exports` or into `exports`/`module.exports` through names and
 * literal keys, and `Object.defineProperty` on one of them with a literal name. Reading them does
 * not (`if (typeof module === 'object' && module.exports)` guards a script). The binder also
 * counts a few rarer forms (computed keys at the top level, `require?.(…)`, escaped names); those
 * are left out on purpose: a file taken for a script is held by every program, which costs time
 * but loses no edge, while a script taken for a module would hide its global names.
 */
function marksCommonJs(n: ts.Node): boolean {
  if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'require') return n.arguments.length === 1;
  if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) return assignsToExports(n.left) && !assignsVoid(n.right);
  return (
    ts.isCallExpression(n) &&
    ts.isPropertyAccessExpression(n.expression) &&
    ts.isIdentifier(n.expression.expression) &&
    n.expression.expression.text === 'Object' &&
    n.expression.name.text === 'defineProperty' &&
    n.arguments.length === 3 &&
    isExportsObject(n.arguments[0]!) &&
    (ts.isStringLiteralLike(n.arguments[1]!) || ts.isNumericLiteral(n.arguments[1]!))
  );
}

/** `void 0`, or a chain of assignments ending in it (`exports.a = exports.b = void 0`, which the binder skips). */
function assignsVoid(e: ts.Expression): boolean {
  while (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) e = e.right;
  return ts.isVoidExpression(e);
}

/** `.name` or `["literal"]`: a member the binder can name. */
const isNamedMember = (e: ts.Expression): e is ts.PropertyAccessExpression | ts.ElementAccessExpression =>
  ts.isPropertyAccessExpression(e) || (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression));

const isModuleExports = (e: ts.Expression): boolean =>
  isNamedMember(e) &&
  ts.isIdentifier(e.expression) &&
  e.expression.text === 'module' &&
  (ts.isPropertyAccessExpression(e) ? e.name.text === 'exports' : (e.argumentExpression as ts.StringLiteralLike).text === 'exports');

const isExportsObject = (e: ts.Expression): boolean => (ts.isIdentifier(e) && e.text === 'exports') || isModuleExports(e);

function assignsToExports(left: ts.Expression): boolean {
  if (isModuleExports(left)) return true;
  for (let e = left; isNamedMember(e);) {
    e = e.expression;
    if (isExportsObject(e)) return true;
  }
  return false;
}

/**
 * Whether a file declares names every other file sees: a script (TypeScript's global scope; a
 * JavaScript file counts unless it uses CommonJS), or a module with `declare global` or
 * `declare module '…'` augmentations.
 */
function declaresGlobals(sf: ts.SourceFile, commonJs: boolean): boolean {
  if (sf.statements.some((st) => ts.isModuleDeclaration(st) && (ts.isStringLiteral(st.name) || (st.flags & ts.NodeFlags.GlobalAugmentation) !== 0)))
    return true;
  if (ts.isExternalModule(sf)) return false;
  return !(isJavaScript(sf) && commonJs);
}
