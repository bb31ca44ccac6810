// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { invokedParams } from './invoked-params.js';
import { isFunctionLike, unwrap } from './syntax.js';
import { isCallable, type RepositoryDefinitions } from './repository-definitions.js';
import type { OnDeclarations, ProgramIndex } from './program-index.js';

/**
 * Calls that do not name their target: callbacks passed to repository functions, function
 * values made by factories, and handler tables indexed by a computed key.
 */
export interface CallTargetContext {
  index: ProgramIndex;
  definitions: RepositoryDefinitions;
  /** Records the declarations a resolution went through as dependencies of the walked file. */
  touch: OnDeclarations;
}

export interface CallbackInvoker {
  id: string;
  params: Set<number>;
  rest: number;
}

type FunctionWithBody = (ts.FunctionDeclaration | ts.MethodDeclaration | ts.ArrowFunction | ts.FunctionExpression) & { body: ts.Node };

/** The function a declaration declares with its body (a variable initialised with a function counts). */
function functionWithBody(d: ts.Node): FunctionWithBody | undefined {
  if (ts.isVariableDeclaration(d) && d.initializer && isFunctionLike(d.initializer)) d = d.initializer;
  if (!(ts.isFunctionDeclaration(d) || ts.isMethodDeclaration(d) || isFunctionLike(d)) || !d.body) return undefined;
  return d as FunctionWithBody;
}

/**
 * Repository functions a call passes callbacks to, with the parameters each invokes: `f(x)` or
 * `f.call(…)` in its body, or `f` passed on to another call (`xs.map(f)`).
 */
export function callbackInvokers(ctx: CallTargetContext, node: ts.CallExpression | ts.NewExpression, callee: ts.Expression): CallbackInvoker[] {
  const { knownNames, idKinds } = ctx.definitions;
  const args = node.arguments ?? [];
  if (!args.some((a) => (ts.isIdentifier(a) && knownNames.has(a.text)) || (ts.isPropertyAccessExpression(a) && knownNames.has(a.name.text)))) return [];
  if (!(ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee))) return [];
  const out: CallbackInvoker[] = [];
  let decls: ts.Declaration[];
  try {
    decls = ctx.index.resolveSymbol(callee).decls;
  } catch {
    return [];
  }
  for (const decl of decls) {
    const d = functionWithBody(decl);
    if (!d) continue;
    const ids = new Set<string>();
    ctx.index.idsForDecl(d, ids, 0, ctx.touch);
    const id = [...ids].find((x) => isCallable(idKinds, x));
    if (!id) continue;
    // recorded with the syntax facts: an outline blanks the body of an annotated function
    const inv = ctx.definitions.invokes.get(id) ?? invokedParams(d);
    if (inv.params.size > 0 || inv.rest >= 0) out.push({ id, ...inv });
  }
  return out;
}

/** The repository function (its callable id) a function-like declaration is, if any. */
export function functionIdOf(ctx: CallTargetContext, d: ts.Node): string | undefined {
  const f = ts.isConstructorDeclaration(d) && d.body ? d : functionWithBody(d);
  if (!f) return undefined;
  const ids = new Set<string>();
  ctx.index.idsForDecl(f, ids, 0, ctx.touch);
  return [...ids].find((x) => isCallable(ctx.definitions.idKinds, x));
}

/** The repository functions a call's callee names (a class's constructor for `new C(…)`). */
export function calleeFunctionIds(ctx: CallTargetContext, callee: ts.Expression): string[] {
  if (!(ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee))) return [];
  let decls: ts.Declaration[];
  try {
    decls = ctx.index.resolveSymbol(callee).decls;
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const decl of decls) {
    const fns = ts.isClassLike(decl) ? decl.members.filter((m) => ts.isConstructorDeclaration(m)) : [decl];
    for (const f of fns) {
      const id = functionIdOf(ctx, f);
      if (id) out.push(id);
    }
  }
  return out;
}

/** What a bare callee names (resolved once per call for the factory and table lookups). */
export function calleeDeclarations(ctx: CallTargetContext, callee: ts.Identifier): readonly ts.Declaration[] {
  try {
    return ctx.index.resolveSymbol(callee).decls;
  } catch {
    return [];
  }
}

/** The repository functions a factory returns by name, for a call through a variable (its declarations `decls`) initialised by calling it. */
export function factoryTargets(ctx: CallTargetContext, decls: readonly ts.Declaration[]): string[] {
  const out = new Set<string>();
  for (const d of decls) {
    if (!ts.isVariableDeclaration(d) || !d.initializer) continue;
    let init = d.initializer;
    while (ts.isAwaitExpression(init) || ts.isParenthesizedExpression(init) || ts.isNonNullExpression(init)) init = init.expression;
    if (!ts.isCallExpression(init) || !(ts.isIdentifier(init.expression) || ts.isPropertyAccessExpression(init.expression))) continue;
    returnedTargets(ctx, init.expression, out);
  }
  return [...out].filter((id) => isCallable(ctx.definitions.idKinds, id));
}

/** Adds to `out` what the repository functions `callee` names return by name (not filtered to functions). */
export function returnedTargets(ctx: CallTargetContext, callee: ts.Identifier | ts.PropertyAccessExpression, out: Set<string>): void {
  for (const decl of ctx.index.resolveSymbol(callee).decls) {
    const f = functionWithBody(decl);
    if (!f) continue;
    ctx.touch([f]);
    for (const r of returnedExpressions(f)) addReturnedTargets(ctx, r, out);
  }
}

/** What a function returns: an arrow function's expression body, else every `return` of its own body. */
function returnedExpressions(f: FunctionWithBody): ts.Expression[] {
  const returned: ts.Expression[] = [];
  if (!ts.isBlock(f.body)) returned.push(f.body);
  else {
    const findReturns = (n: ts.Node): void => {
      if (ts.isReturnStatement(n) && n.expression) returned.push(n.expression);
      else if (!ts.isFunctionLike(n)) n.forEachChild(findReturns);
    };
    f.body.forEachChild(findReturns);
  }
  return returned;
}

function addReturnedTargets(ctx: CallTargetContext, r: ts.Expression, out: Set<string>): void {
  if (isFunctionLike(r)) {
    const id = ctx.index.declToId.get(r);
    if (id) out.add(id);
  } else if (ts.isIdentifier(r) || ts.isPropertyAccessExpression(r))
    for (const rd of ctx.index.resolveSymbol(r).decls) ctx.index.idsForDecl(rd, out, 0, ctx.touch);
}

/**
 * The table a call through one of its entries reads: a computed or numeric key (`HANDLERS[kind](x)`,
 * `steps[0]!(x)`), `handlers.get(k)!(x)`, `steps.at(i)!(x)`, or through a variable holding such a
 * read (`const h = handlers.get(k); h?.(x)`), an element of it (`for (const f of steps) f(x)`,
 * `const [first] = steps; first(x)`, `for (const [k, f] of handlers) f(x)`) or a callback's element
 * parameter (`steps.forEach((f) => f(x))`, `steps.reduce((acc, f) => f(acc), x)`). All by syntax:
 * `calleeDecls` is what the callee named, already asked of the checker.
 */
export function calledTable(callee: ts.Expression, calleeDecls: readonly ts.Declaration[] | undefined, touch: OnDeclarations): ts.Expression | undefined {
  const direct = indexedTable(callee);
  if (direct || !calleeDecls) return direct;
  const d = calleeDecls.length === 1 ? calleeDecls[0] : undefined;
  if (!d) return undefined;
  const table = ts.isVariableDeclaration(d)
    ? d.initializer
      ? indexedTable(d.initializer)
      : ts.isIdentifier(d.name)
        ? iteratedTable(d.parent)
        : undefined
    : ts.isBindingElement(d)
      ? destructuredTable(d)
      : ts.isParameter(d)
        ? callbackTable(d)
        : undefined;
  if (table) touch([d]);
  return table;
}

function indexedTable(callee: ts.Expression): ts.Expression | undefined {
  const c = unwrap(callee);
  if (ts.isElementAccessExpression(c) && !ts.isStringLiteralLike(c.argumentExpression)) return c.expression;
  if (ts.isCallExpression(c) && ts.isPropertyAccessExpression(c.expression) && c.arguments.length === 1) {
    const name = c.expression.name.text;
    if (name === 'get' || name === 'at') return c.expression.expression;
  }
  return undefined;
}

/** The table a `for … of` loop declaring `list` iterates (`for (const f of steps)`, `of handlers.values()`). */
function iteratedTable(list: ts.Node): ts.Expression | undefined {
  const loop = list.parent;
  return ts.isVariableDeclarationList(list) && loop && ts.isForOfStatement(loop) && loop.initializer === list ? contentsOf(loop.expression) : undefined;
}

/**
 * The table an array pattern's element comes from: `const [first] = steps`, or the value of an
 * entry in `for (const [k, f] of handlers)` (also `handlers.entries()`, `Object.entries(TABLE)`).
 */
function destructuredTable(el: ts.BindingElement): ts.Expression | undefined {
  const pattern = el.parent;
  if (!ts.isArrayBindingPattern(pattern) || el.dotDotDotToken || !ts.isIdentifier(el.name)) return undefined;
  const decl = pattern.parent;
  if (!ts.isVariableDeclaration(decl) || decl.name !== pattern) return undefined;
  if (decl.initializer) return contentsOf(decl.initializer);
  if (pattern.elements.indexOf(el) !== 1) return undefined;
  const loop = decl.parent.parent;
  if (!loop || !ts.isForOfStatement(loop) || loop.initializer !== decl.parent) return undefined;
  const e = unwrap(loop.expression);
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.arguments.length === 0 && e.expression.name.text === 'entries')
    return namedTable(e.expression.expression);
  if (isObjectCall(e, 'entries')) return namedTable(e.arguments[0]!);
  return namedTable(e);
}

/** Which parameter of a collection method's callback is the element: `forEach((f) => …)`, `reduce((acc, f) => …)`. */
const ELEMENT_PARAMETER: ReadonlyMap<string, number> = new Map([
  ['forEach', 0],
  ['map', 0],
  ['flatMap', 0],
  ['filter', 0],
  ['some', 0],
  ['every', 0],
  ['find', 0],
  ['findLast', 0],
  ['findIndex', 0],
  ['reduce', 1],
  ['reduceRight', 1],
]);

/** The table whose elements a callback's parameter is given (`steps.forEach((f) => f(x))`, `handlers.forEach((h) => …)` on a Map). */
function callbackTable(p: ts.ParameterDeclaration): ts.Expression | undefined {
  const fn = p.parent;
  if (!isFunctionLike(fn) || p.dotDotDotToken || !ts.isIdentifier(p.name)) return undefined;
  const call = fn.parent;
  if (!ts.isCallExpression(call) || call.arguments[0] !== fn || !ts.isPropertyAccessExpression(call.expression)) return undefined;
  const at = ELEMENT_PARAMETER.get(call.expression.name.text);
  return at !== undefined && fn.parameters.indexOf(p) === at ? contentsOf(call.expression.expression) : undefined;
}

/** The table whose values an iterated expression gives: `steps`, `handlers.values()`, `Object.values(TABLE)`. */
function contentsOf(e: ts.Expression): ts.Expression | undefined {
  e = unwrap(e);
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.arguments.length === 0 && e.expression.name.text === 'values')
    return namedTable(e.expression.expression);
  if (isObjectCall(e, 'values')) return namedTable(e.arguments[0]!);
  return namedTable(e);
}

/** `Object.<name>(x)` with one argument. */
function isObjectCall(e: ts.Expression, name: string): e is ts.CallExpression {
  return (
    ts.isCallExpression(e) &&
    e.arguments.length === 1 &&
    ts.isPropertyAccessExpression(e.expression) &&
    e.expression.name.text === name &&
    ts.isIdentifier(e.expression.expression) &&
    e.expression.expression.text === 'Object'
  );
}

/** A table is named by a variable or a member (`steps`, `this.steps`); anything else holds no place. */
function namedTable(e: ts.Expression): ts.Expression | undefined {
  e = unwrap(e);
  return ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) ? e : undefined;
}

/**
 * Every handler a table call can reach that the table's initializer holds: the functions of an
 * object literal, an array literal (a tuple's too), `new Map([[k, f], …])` or `new Set([f, …])`.
 */
export function tableTargets(ctx: CallTargetContext, table: ts.Expression): string[] {
  if (!(ts.isIdentifier(table) || ts.isPropertyAccessExpression(table))) return [];
  const out = new Set<string>();
  let decls: ts.Declaration[];
  try {
    decls = ctx.index.resolveSymbol(table).decls;
  } catch {
    return [];
  }
  ctx.touch(decls);
  for (const d of decls) {
    let init = ts.isVariableDeclaration(d) || ts.isPropertyDeclaration(d) ? d.initializer : undefined;
    while (init && (ts.isParenthesizedExpression(init) || ts.isAsExpression(init) || ts.isSatisfiesExpression(init))) init = init.expression;
    if (!init) continue;
    for (const v of tableValues(init)) addTableValueTargets(ctx, v, out);
  }
  return [...out].filter((id) => isCallable(ctx.definitions.idKinds, id));
}

/** The values a table initialiser holds: an object literal's properties, an array literal's elements, the values of `new Map([[k, v], …])` or `new Set([v, …])`. */
function tableValues(init: ts.Expression): ts.Node[] {
  const values: ts.Node[] = [];
  if (ts.isObjectLiteralExpression(init)) values.push(...init.properties);
  else if (ts.isArrayLiteralExpression(init)) values.push(...elementsOf(init));
  else if (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.arguments?.[0] && ts.isArrayLiteralExpression(init.arguments[0])) {
    const kind = init.expression.text;
    if (kind === 'Map') {
      for (const el of init.arguments[0].elements) if (ts.isArrayLiteralExpression(el) && el.elements[1]) values.push(el.elements[1]);
    } else if (kind === 'Set') values.push(...elementsOf(init.arguments[0]));
  }
  return values;
}

/** An array literal's elements (a spread one is not followed). */
const elementsOf = (a: ts.ArrayLiteralExpression): ts.Expression[] => a.elements.filter((e) => !ts.isSpreadElement(e) && !ts.isOmittedExpression(e));

function addTableValueTargets(ctx: CallTargetContext, v: ts.Node, out: Set<string>): void {
  // `this.onCard.bind(this)` is `this.onCard`, `f!` and `f as Fee` are `f`
  if (ts.isExpression(v)) v = unwrap(v);
  while (ts.isCallExpression(v) && ts.isPropertyAccessExpression(v.expression) && v.expression.name.text === 'bind') v = unwrap(v.expression.expression);
  if (ts.isIdentifier(v) || ts.isPropertyAccessExpression(v)) {
    for (const vd of ctx.index.resolveSymbol(v).decls) ctx.index.idsForDecl(vd, out, 0, ctx.touch);
  } else if (isFunctionLike(v)) {
    const id = ctx.index.declToId.get(v);
    if (id) out.add(id);
  } else if (!ts.isExpression(v)) ctx.index.idsForDecl(v, out, 0, ctx.touch);
}
