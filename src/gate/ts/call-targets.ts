// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { invokedParams } from './invoked-params.js';
import { holdsNoFunction } from './outline.js';
import { isFunctionLike, nameText, returnedValues, unwrap } from './syntax.js';
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
  /** Records that the walked file read what a function returns: a dependency on its file's returns key. */
  readReturns: (f: ts.Node) => void;
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

/**
 * The repository functions `fn` names that call their parameter `index` (`apply` in
 * `steps.forEach(apply)` with `function apply(f: Fee) { f(1); }`).
 */
export function invokingFunctions(ctx: CallTargetContext, fn: ts.Identifier | ts.PropertyAccessExpression, index: number): string[] {
  const out: string[] = [];
  for (const decl of ctx.index.resolveSymbol(fn).decls) {
    const d = functionWithBody(decl);
    if (!d) continue;
    ctx.touch([decl]);
    const id = functionIdOf(ctx, d);
    if (id && (ctx.definitions.invokes.get(id) ?? invokedParams(d)).params.has(index)) out.push(id);
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
    const fns = ts.isClassLike(decl) ? constructorsOf(ctx, decl, 0) : [decl];
    for (const f of fns) {
      const id = functionIdOf(ctx, f);
      if (id) out.push(id);
    }
  }
  return out;
}

/** The constructor `new C(…)` runs: C's own, else the nearest base class's (`class Card extends Base {}` takes Base's parameters). */
function constructorsOf(ctx: CallTargetContext, cls: ts.ClassLikeDeclaration, depth: number): ts.Node[] {
  const own = cls.members.filter((m) => ts.isConstructorDeclaration(m));
  if (own.length > 0 || depth > 4) return own;
  const base = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
  if (!base || !(ts.isIdentifier(base) || ts.isPropertyAccessExpression(base))) return [];
  const decls = ctx.index.resolveSymbol(base, ctx.touch).decls;
  return decls.filter((d) => ts.isClassLike(d)).flatMap((d) => constructorsOf(ctx, d, depth + 1));
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
export const factoryTargets = (ctx: CallTargetContext, decls: readonly ts.Declaration[]): string[] =>
  callResultTargets(
    ctx,
    decls.flatMap((d) => (ts.isVariableDeclaration(d) && d.initializer ? [d.initializer] : [])),
  );

/**
 * The repository functions that `values`, results of calling a named function or method (awaited,
 * in parentheses, cast or `!`, the callee too), can be: what that callee returns by name. For a
 * variable holding such a result and for a call of a call (`make()()`, `picker.pick()()`, `(await
 * load())()`).
 */
export function callResultTargets(ctx: CallTargetContext, values: readonly ts.Expression[]): string[] {
  const out = new Set<string>();
  for (const value of values) {
    let e = unwrap(value);
    while (ts.isAwaitExpression(e)) e = unwrap(e.expression);
    if (!ts.isCallExpression(e)) continue;
    const callee = unwrap(e.expression);
    if (ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee)) returnedTargets(ctx, callee, out);
  }
  return [...out].filter((id) => isCallable(ctx.definitions.idKinds, id));
}

/**
 * Adds to `out` what the repository functions `callee` names return by name (not filtered to
 * functions). A function declared to return data that holds no function (`(): number`) returns
 * none, whatever its body says (a function value through `any`): its body is what an outline
 * blanks, and a run must find the same edges whether it holds the file in full or as an outline.
 */
export function returnedTargets(ctx: CallTargetContext, callee: ts.Identifier | ts.PropertyAccessExpression, out: Set<string>): void {
  for (const decl of ctx.index.resolveSymbol(callee, ctx.touch).decls) {
    const f = functionWithBody(decl);
    // its file is recorded by the resolution either way (its outline key covers the declared
    // type: a type that holds a function tomorrow makes it return one)
    if (!f || (f.type && holdsNoFunction(f.type))) continue;
    ctx.readReturns(f);
    for (const r of returnedExpressions(f)) addReturnedTargets(ctx, r, out);
  }
}

/** What a function returns, unwrapped: an arrow function's expression body, else what its body returns (see returnedValues). */
const returnedExpressions = (f: FunctionWithBody): ts.Expression[] => (ts.isBlock(f.body) ? returnedValues(f.body) : [unwrap(f.body)]);

function addReturnedTargets(ctx: CallTargetContext, r: ts.Expression, out: Set<string>): void {
  if (isFunctionLike(r)) {
    const id = ctx.index.declToId.get(r);
    if (id) out.add(id);
  } else if (ts.isIdentifier(r) || ts.isPropertyAccessExpression(r))
    for (const rd of ctx.index.resolveSymbol(r, ctx.touch).decls) ctx.index.idsForDecl(rd, out, 0, ctx.touch);
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
  const direct = indexedTable(invokedOf(callee));
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

/** `handlers.get(k)!.call(this, x)` and `.apply(…)` call what `handlers.get(k)` holds. */
function invokedOf(callee: ts.Expression): ts.Expression {
  const c = unwrap(callee);
  return ts.isPropertyAccessExpression(c) && (c.name.text === 'call' || c.name.text === 'apply') ? c.expression : c;
}

/** The table an element read names: `TABLE[k]`, `steps[0]`, `handlers.get(k)`, `steps.at(i)`, `steps.find(p)`, `steps.findLast(p)`. */
export function indexedTable(read: ts.Expression): ts.Expression | undefined {
  const c = unwrap(read);
  if (ts.isElementAccessExpression(c) && !ts.isStringLiteralLike(c.argumentExpression)) return c.expression;
  if (ts.isCallExpression(c) && ts.isPropertyAccessExpression(c.expression) && c.arguments.length >= 1) {
    const name = c.expression.name.text;
    if (c.arguments.length === 1 && (name === 'get' || name === 'at')) return c.expression.expression;
    if (c.arguments.length <= 2 && (name === 'find' || name === 'findLast')) return c.expression.expression;
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
export const ELEMENT_PARAMETER: ReadonlyMap<string, number> = new Map([
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
export function contentsOf(e: ts.Expression): ts.Expression | undefined {
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
export function tableTargets(ctx: CallTargetContext, table: ts.Expression, found?: TableSources): string[] {
  if (!(ts.isIdentifier(table) || ts.isPropertyAccessExpression(table))) return [];
  const out = new Set<string>();
  let decls: ts.Declaration[];
  try {
    decls = ctx.index.resolveSymbol(table, ctx.touch).decls;
  } catch {
    return [];
  }
  found?.decls.push(...decls);
  for (const d of decls) {
    const init = initializerOf(d);
    if (!init) continue;
    for (const v of tableValues(init, found?.sources)) addTableValueTargets(ctx, v, out);
  }
  return [...out].filter((id) => isCallable(ctx.definitions.idKinds, id));
}

/**
 * The functions the objects a table holds keep under `member`: `run` of `[{ kind: 'card', run:
 * chargeCard }]`, of a record of objects (`{ card: { run: f } }`), or of the objects of a table it
 * copies (`[...BASE, { run: g }]`), for `r.run(x)` with `r` an element; with `key`, of a record's
 * object under that key only (`TABLE.card.run(x)`).
 */
export function memberTargets(ctx: CallTargetContext, table: ts.Expression, member: string, depth = 0, key?: string): string[] {
  const out = new Set<string>();
  if (depth > 4 || !(ts.isIdentifier(table) || ts.isPropertyAccessExpression(table))) return [];
  const decls = ctx.index.resolveSymbol(table, ctx.touch).decls;
  for (const d of decls) {
    const init = initializerOf(d);
    if (!init) continue;
    const sources: ts.Expression[] = [];
    for (const v of tableValues(init, sources)) {
      // a property whose name the syntax does not say (`[CARD]: { … }`) may be the key's
      if (key !== undefined && ts.isObjectLiteralExpression(init) && ts.isPropertyAssignment(v) && (nameText(v.name) ?? key) !== key) continue;
      const o = ts.isPropertyAssignment(v) ? unwrap(v.initializer) : ts.isExpression(v) ? unwrap(v) : undefined;
      if (!o || !ts.isObjectLiteralExpression(o)) continue;
      for (const p of o.properties) if (p.name && nameText(p.name) === member) addTableValueTargets(ctx, ts.isPropertyAssignment(p) ? p.initializer : p, out);
    }
    for (const src of sources) for (const id of memberTargets(ctx, unwrap(src), member, depth + 1, key)) out.add(id);
  }
  return [...out].filter((id) => isCallable(ctx.definitions.idKinds, id));
}

/** What else a table's declaration says it holds: the declarations its name resolved to, and the arrays its initializer copies (see listSources). */
export interface TableSources {
  decls: ts.Declaration[];
  sources: ts.Expression[];
}

/** A variable's or field's initializer, without the parentheses and type assertions around it. */
export function initializerOf(d: ts.Declaration): ts.Expression | undefined {
  let init = ts.isVariableDeclaration(d) || ts.isPropertyDeclaration(d) ? d.initializer : undefined;
  while (init && (ts.isParenthesizedExpression(init) || ts.isAsExpression(init) || ts.isSatisfiesExpression(init))) init = init.expression;
  return init;
}

/**
 * The values a table initialiser holds: an object literal's properties, an array literal's elements,
 * the values of `new Map([[k, v], …])` or `new Set([v, …])`; the arrays it copies (spread, `concat`,
 * `Array.from`, …) go to `sources`.
 */
function tableValues(init: ts.Expression, sources: ts.Expression[] | undefined): ts.Node[] {
  const values: ts.Node[] = [];
  if (ts.isObjectLiteralExpression(init)) values.push(...init.properties);
  else if (ts.isArrayLiteralExpression(init)) values.push(...elementsOf(init));
  else if (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.arguments?.[0] && ts.isArrayLiteralExpression(init.arguments[0])) {
    const kind = init.expression.text;
    if (kind === 'Map') {
      for (const el of init.arguments[0].elements) if (ts.isArrayLiteralExpression(el) && el.elements[1]) values.push(el.elements[1]);
    } else if (kind === 'Set') values.push(...elementsOf(init.arguments[0]));
  }
  if (sources) listSources(init, values, sources);
  return values;
}

/**
 * The parts of an array expression that are other arrays, by syntax: `...base` in a literal,
 * `base.concat(more, f)` (`more` and `f` by their syntax: an array literal's elements are values),
 * `Array.from(base)`, `Array.of(f, g)`, `new Set(base)`, and a copy or subset (`base.slice()`,
 * `base.filter(p)`, `base.toSorted()`), which holds no function the array does not. Elements
 * that are values go to `values`, arrays to `sources`.
 */
export function listSources(e: ts.Expression, values: ts.Node[], sources: ts.Expression[]): void {
  e = unwrap(e);
  if (ts.isArrayLiteralExpression(e)) {
    for (const el of e.elements) if (ts.isSpreadElement(el)) sources.push(el.expression);
    return;
  }
  if (ts.isNewExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Set' && e.arguments?.length === 1) {
    const arg = e.arguments[0]!;
    if (!ts.isArrayLiteralExpression(arg)) sources.push(arg);
    else listSources(arg, values, sources);
    return;
  }
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression)) return;
  const name = e.expression.name.text;
  const receiver = e.expression.expression;
  if (ts.isIdentifier(receiver) && receiver.text === 'Array') {
    if (name === 'from' && e.arguments[0]) sources.push(e.arguments[0]);
    else if (name === 'of') values.push(...e.arguments.filter((a) => !ts.isSpreadElement(a)));
    return;
  }
  if (name === 'concat') {
    sources.push(receiver);
    for (const a of e.arguments) {
      const u = unwrap(ts.isSpreadElement(a) ? a.expression : a);
      if (ts.isArrayLiteralExpression(u)) {
        values.push(...elementsOf(u));
        listSources(u, values, sources);
      } else if (ts.isIdentifier(u) || ts.isPropertyAccessExpression(u) || ts.isCallExpression(u)) {
        // `base.concat(more)` with `more` an array, or `base.concat(f)` with `f` a function
        sources.push(u);
        values.push(u);
      } else values.push(u);
    }
  } else if (COPIES.has(name)) sources.push(receiver);
}

/** Array methods whose result holds some or all of the receiver's elements and no other. */
const COPIES = new Set(['slice', 'filter', 'toSorted', 'toReversed', 'reverse', 'sort', 'flat', 'values']);

/** An array literal's elements (a spread one is a source: see listSources). */
const elementsOf = (a: ts.ArrayLiteralExpression): ts.Expression[] => a.elements.filter((e) => !ts.isSpreadElement(e) && !ts.isOmittedExpression(e));

function addTableValueTargets(ctx: CallTargetContext, v: ts.Node, out: Set<string>): void {
  // `this.onCard.bind(this)` is `this.onCard`, `f!` and `f as Fee` are `f`
  if (ts.isExpression(v)) v = unwrap(v);
  while (ts.isCallExpression(v) && ts.isPropertyAccessExpression(v.expression) && v.expression.name.text === 'bind') v = unwrap(v.expression.expression);
  if (ts.isIdentifier(v) || ts.isPropertyAccessExpression(v)) {
    for (const vd of ctx.index.resolveSymbol(v, ctx.touch).decls) ctx.index.idsForDecl(vd, out, 0, ctx.touch);
  } else if (isFunctionLike(v)) {
    const id = ctx.index.declToId.get(v);
    if (id) out.add(id);
  } else if (!ts.isExpression(v)) ctx.index.idsForDecl(v, out, 0, ctx.touch);
}
