// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');

/** Small syntax helpers and edge-map utilities shared by the TS/JS analysis modules. */

export const nameText = (n: ts.PropertyName | ts.BindingName | undefined): string | undefined => {
  if (!n) return undefined;
  if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  return undefined;
};

/** The expression under parentheses, `!`, `as`, `satisfies` and `<T>` assertions: the same value at run time. */
export function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e))
    e = e.expression;
  return e;
}

export const isFunctionLike = (n: ts.Node | undefined): n is ts.ArrowFunction | ts.FunctionExpression =>
  !!n && (ts.isArrowFunction(n) || ts.isFunctionExpression(n));

/**
 * What a block returns, unwrapped (`return settle as Fee` returns `settle`): the value of each
 * `return` of its own, not of a function or class inside it. The outline (which bodies may return
 * a function) and the walk (what a factory returns) both read returns through this, so a body the
 * outline blanks is one the walk finds nothing to follow in.
 */
export function returnedValues(body: ts.Block): ts.Expression[] {
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isReturnStatement(n)) {
      if (n.expression) out.push(unwrap(n.expression));
    } else n.forEachChild(visit);
  };
  body.forEachChild(visit);
  return out;
}

/** A returned value the walk can follow to a function: one written there, or a name (`settle`, `handlers.pay`). */
export const isNameOrFunction = (e: ts.Expression): boolean => isFunctionLike(e) || ts.isIdentifier(e) || ts.isPropertyAccessExpression(e);

/** Arguments of a call, -1 when a spread makes the count unknown. */
export const argCount = (call: ts.CallExpression | ts.NewExpression): number =>
  (call.arguments ?? []).some((a) => ts.isSpreadElement(a)) ? -1 : (call.arguments?.length ?? 0);

export const lineOf = (sf: ts.SourceFile, pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;

export function jsxName(tag: ts.JsxTagNameExpression): string {
  if (ts.isIdentifier(tag)) return tag.text;
  if (ts.isPropertyAccessExpression(tag)) return tag.name.text;
  return '';
}

export function bindingNames(name: ts.BindingName): ts.Identifier[] {
  if (ts.isIdentifier(name)) return [name];
  const out: ts.Identifier[] = [];
  for (const el of name.elements) if (!ts.isOmittedExpression(el)) out.push(...bindingNames(el.name));
  return out;
}

/** An edge map: caller → callees (a self-edge is never added). */
export type EdgeMap = Map<string, Set<string>>;

export const addEdge = (m: EdgeMap, from: string, to: string): void => {
  if (from === to) return;
  let s = m.get(from);
  if (!s) m.set(from, (s = new Set()));
  s.add(to);
};

export const listOf = (m: EdgeMap): [string, string[]][] => [...m].map(([k, v]) => [k, [...v]]);

const mib = (bytes: number): number => Math.round(bytes / 1048576);
export const memText = (m: NodeJS.MemoryUsage | undefined): string => (m ? `${mib(m.heapUsed)}/${mib(m.rss)}` : '?');

/** Wall time between marks, for BULWARK_GATE_TIMING's line of an analysis's stages. */
export class PhaseTimes {
  private last = performance.now();
  private readonly parts: string[] = [];
  mark(stage: string): void {
    const now = performance.now();
    this.parts.push(`${stage} ${Math.round(now - this.last)}`);
    this.last = now;
  }
  text(): string {
    return `${this.parts.join(', ')} ms`;
  }
}

/** The module a node names inline: `require('m')`, `import('m')`, or the type `import('m').T`. */
export function inlineModuleSpecifier(n: ts.Node): string | undefined {
  if (ts.isImportTypeNode(n)) return ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal) ? n.argument.literal.text : undefined;
  if (!ts.isCallExpression(n) || n.arguments.length !== 1 || !ts.isStringLiteralLike(n.arguments[0]!)) return undefined;
  const isRequire = ts.isIdentifier(n.expression) && n.expression.text === 'require';
  return isRequire || n.expression.kind === ts.SyntaxKind.ImportKeyword ? n.arguments[0].text : undefined;
}

/** Marks a by-name key (`name/argc`) of a call through a bare name: functions of that name first, methods only when there are none (assemble.ts). */
export const BARE = 'f:';
