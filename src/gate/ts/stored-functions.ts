// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { VIRTUAL_ROOT } from './compiler.js';
import { functionIdOf, returnedTargets, type CallTargetContext } from './call-targets.js';
import { bindingNames, isFunctionLike, unwrap } from './syntax.js';
import { ELEMENTS, PARAMETER } from './model.js';
import { isCallable } from './repository-definitions.js';

/**
 * Functions stored into a place and called from it elsewhere: a handler table filled by
 * `handlers.set(k, f)` or `handlers[k] = f` and called through `handlers.get(k)!(x)` or
 * `handlers[k](x)`, a field assigned a function (`this.handle = (x) => …`, `svc.handle = fee`,
 * `handle: Fn = makeHandler()`) and called through `svc.handle(x)`. The store and the call are
 * often in different files, so each walk records them under a key naming the place, and
 * assembling the graph joins the keys over the whole repository (a store added in a new file
 * reaches callers whose edges came from the cache).
 */

/** Keys of a table's contents and of a field's value never meet: one place can be both (a field holding a Map). */
const ENTRIES = 'entries:';
const VALUE = 'value:';
/** Keys of a member of the objects a table holds: `members:<place> <name>`. */
const MEMBERS = 'members:';

/** A declaration the repository owns that holds a value: a variable, a class field or a constructor's parameter property, an interface's property. */
function isPlace(d: ts.Declaration): boolean {
  const holds = ts.isVariableDeclaration(d)
    ? ts.isIdentifier(d.name)
    : ts.isParameter(d)
      ? ts.isConstructorDeclaration(d.parent) && ts.isParameterPropertyDeclaration(d, d.parent)
      : ts.isPropertyDeclaration(d) || ts.isPropertySignature(d);
  return holds && d.getSourceFile().fileName.startsWith(VIRTUAL_ROOT);
}

/**
 * The place a declaration stands for: its definition id (a module's constant, a class's field),
 * else its file and position (a function's local, an interface's data property), which every parse
 * of the file gives alike (see node-index.ts) and only files that resolved through it can name.
 * The position is counted without the bodies an outline blanks, as the file's outline key is
 * digested: a file that names the place from a cached entry names it alike after an edit inside
 * such a body (see ProgramIndex.placePosition).
 */
function placeOf(ctx: CallTargetContext, d: ts.Declaration): string {
  return ctx.index.declToId.get(d) ?? `${d.getSourceFile().fileName}@${ctx.index.placePosition(d)}`;
}

/** The places an expression names (`handlers`, `this.handlers`, `this.#handlers`, `svc.handle`), each declaration a dependency. */
function placesNamed(ctx: CallTargetContext, e: ts.Expression): string[] {
  e = unwrap(e);
  if (!ts.isIdentifier(e) && !ts.isPropertyAccessExpression(e)) return [];
  const places = ctx.index.resolveSymbol(e, ctx.touch).decls.filter(isPlace);
  return places.map((d) => placeOf(ctx, d));
}

/** Keys of the table contents `table` names (`handlers` in `handlers.get(k)`). */
export function tableKeys(ctx: CallTargetContext, table: ts.Expression): string[] {
  return placesNamed(ctx, table).map((p) => ENTRIES + p);
}

/** Keys of what the objects a table holds keep under `member` (`run` of `rules.push({ run: f })`), from the table's keys. */
export function memberKeys(tableKeys: readonly string[], member: string): string[] {
  return tableKeys.map((k) => `${MEMBERS}${k.slice(ENTRIES.length)} ${member}`);
}

/** Keys of the field value a member access names (`this.handle`, `svc.handle`). */
export function fieldKeys(ctx: CallTargetContext, access: ts.PropertyAccessExpression): string[] {
  return placesNamed(ctx, access).map((p) => VALUE + p);
}

/** Keys of the field values among the declarations a member access resolved to (already recorded as dependencies). */
export function fieldKeysOf(ctx: CallTargetContext, decls: readonly ts.Declaration[]): string[] {
  const keys: string[] = [];
  for (const d of decls) if (isPlace(d) && !ts.isVariableDeclaration(d)) keys.push(VALUE + placeOf(ctx, d));
  return keys;
}

/** The key a declaration's own initializer stores into (`handle: Fn = makeHandler()`). */
export function declaredFieldKey(ctx: CallTargetContext, d: ts.PropertyDeclaration): string {
  return VALUE + placeOf(ctx, d);
}

/** Whether `call` is `m.set(k, v)` on a standard Map or WeakMap (a subclass's included), not on a repository class with its own `set`. */
export function isMapSet(ctx: CallTargetContext, call: ts.CallExpression): call is ts.CallExpression & { expression: ts.PropertyAccessExpression } {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'set' || call.arguments.length !== 2) return false;
  const { decls } = ctx.index.resolveSymbol(callee.name, ctx.touch);
  return (
    decls.length > 0 &&
    decls.every(
      (d) =>
        !d.getSourceFile().fileName.startsWith(VIRTUAL_ROOT) &&
        ts.isInterfaceDeclaration(d.parent) &&
        (d.parent.name.text === 'Map' || d.parent.name.text === 'WeakMap'),
    )
  );
}

/** The standard collections whose adding methods store their arguments as entries (a subclass's included). */
const ADDERS: ReadonlyMap<string, readonly string[]> = new Map([
  ['push', ['Array']],
  ['unshift', ['Array']],
  ['add', ['Set', 'WeakSet']],
]);

/** Whether a call's callee is named like a standard collection's adding method (`steps.push`, `fns.add`): the syntax asked before isCollectionAdd. */
export function mayAddToCollection(callee: ts.Expression): callee is ts.PropertyAccessExpression {
  return ts.isPropertyAccessExpression(callee) && ADDERS.has(callee.name.text);
}

/**
 * Whether `steps.push(f, …)`, `steps.unshift(f, …)` or `fns.add(f)` is the standard Array's or
 * Set's (a subclass's included), not a repository class's own `push` or `add`.
 */
export function isCollectionAdd(ctx: CallTargetContext, callee: ts.PropertyAccessExpression): boolean {
  const owners = ADDERS.get(callee.name.text);
  if (!owners) return false;
  const { decls } = ctx.index.resolveSymbol(callee.name, ctx.touch);
  return (
    decls.length > 0 &&
    decls.every((d) => !d.getSourceFile().fileName.startsWith(VIRTUAL_ROOT) && ts.isInterfaceDeclaration(d.parent) && owners.includes(d.parent.name.text))
  );
}

/**
 * The store a constructor's parameter property of a type that may be a function makes
 * (`constructor(private readonly fee: Fee)`): the field holds what callers pass there, as
 * `[field key, <constructor id>#<index>]`; undefined for another parameter. By syntax only, no
 * checker call: a declared function type, a type literal with a call signature, or a type name
 * other than a standard collection's (an alias or interface of a function type; an injected
 * service's class only adds a store no function is ever passed to: see `passes`). Whether the name
 * is a repository class is not asked: that depends on files a cached entry does not depend on.
 */
export function parameterPropertyStore(ctx: CallTargetContext, ctor: ts.ConstructorDeclaration, p: ts.ParameterDeclaration): [string, string] | undefined {
  if (!ts.isParameterPropertyDeclaration(p, ctor) || p.dotDotDotToken || !p.type) return undefined;
  // an array of functions (`private readonly steps: Fee[]`) holds the elements of what callers pass
  const list = mayBeFunctionList(p.type);
  if (!list && !mayBeFunctionType(p.type)) return undefined;
  const id = functionIdOf(ctx, ctor);
  if (!id) return undefined;
  const param = `${id}#${ctor.parameters.indexOf(p)}`;
  return list ? [ENTRIES + placeOf(ctx, p), param + ELEMENTS] : [VALUE + placeOf(ctx, p), param];
}

/**
 * The store `this.fee = fn` makes in a class's constructor or method when `fn` is a parameter of
 * the function around it and the class itself declares the field (`private readonly fee: Fee;`, or
 * a parameter property): `[field key, <function id>#<index>]`, with `[]` after the index and the
 * field's entries as the key when the parameter is an array of functions (`this.steps = steps`).
 * By syntax only, no checker call: most constructors assign their parameters to fields, mostly
 * data. Undefined when the syntax does not settle it (no parameter, a field the class does not
 * declare); null when it settles that no function is stored (a field or parameter declared as data).
 */
export function fieldParameterStore(ctx: CallTargetContext, left: ts.PropertyAccessExpression, value: ts.Expression): [string, string] | null | undefined {
  value = unwrap(value);
  if (left.expression.kind !== ts.SyntaxKind.ThisKeyword || !ts.isIdentifier(left.name) || !ts.isIdentifier(value)) return undefined;
  const found = enclosingParameter(value);
  const cls = thisClass(left);
  if (!found || !cls || shadowed(value, found.fn)) return undefined;
  const name = left.name.text;
  const field = fieldOf(cls, name);
  if (!field) return undefined;
  const list = found.decl.type ? mayBeFunctionList(found.decl.type) : true;
  const single = found.decl.type ? mayBeFunctionType(found.decl.type) : true;
  const fieldList = !field.type || mayBeFunctionList(field.type);
  const fieldSingle = !field.type || mayBeFunctionType(field.type);
  const id = functionIdOf(ctx, found.fn);
  if (!id) return null;
  const param = `${id}#${found.index}`;
  if (single && fieldSingle) return [VALUE + placeOf(ctx, field), param];
  if (list && fieldList) return [ENTRIES + placeOf(ctx, field), param + ELEMENTS];
  return null;
}

/** The class whose instance `this` is at `at`: arrows keep the `this` of a member around them, a function expression does not. */
function thisClass(at: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let n: ts.Node | undefined = at.parent; n; n = n.parent) {
    if (ts.isArrowFunction(n)) continue;
    if (ts.isConstructorDeclaration(n) || ts.isMethodDeclaration(n) || ts.isAccessor(n) || ts.isPropertyDeclaration(n))
      return ts.isClassLike(n.parent) && !isStatic(n) ? n.parent : undefined;
    if (ts.isFunctionLike(n) || ts.isClassLike(n) || ts.isClassStaticBlockDeclaration(n) || ts.isSourceFile(n)) return undefined;
  }
  return undefined;
}

const isStatic = (n: ts.Node): boolean => (ts.getCombinedModifierFlags(n as ts.Declaration) & ts.ModifierFlags.Static) !== 0;

/** The instance field a class declares under `name`: a property or a constructor's parameter property. */
function fieldOf(cls: ts.ClassLikeDeclaration, name: string): ts.PropertyDeclaration | ts.ParameterDeclaration | undefined {
  for (const m of cls.members) {
    if (ts.isPropertyDeclaration(m) && ts.isIdentifier(m.name) && m.name.text === name && !isStatic(m)) return m;
    if (ts.isConstructorDeclaration(m))
      for (const p of m.parameters) if (ts.isParameterPropertyDeclaration(p, m) && ts.isIdentifier(p.name) && p.name.text === name) return p;
  }
  return undefined;
}

/** Whether a block between `v` and the function declaring its name as a parameter declares the name again. */
function shadowed(v: ts.Identifier, fn: ts.Node): boolean {
  for (let n: ts.Node | undefined = v.parent; n && n !== fn; n = n.parent) {
    if (!ts.isBlock(n)) continue;
    for (const st of n.statements) {
      if (ts.isVariableStatement(st) && st.declarationList.declarations.some((d) => bindingNames(d.name).some((b) => b.text === v.text))) return true;
      if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name?.text === v.text) return true;
    }
  }
  return false;
}

/**
 * Whether a declared type may, by its syntax, be an array, tuple or Set of functions (`Fee[]`,
 * `readonly Fee[]`, `Array<Fee>`, `[Fee, Fee]`), whose elements a table call reaches.
 */
export function mayBeFunctionList(t: ts.TypeNode): boolean {
  if (ts.isParenthesizedTypeNode(t)) return mayBeFunctionList(t.type);
  if (ts.isUnionTypeNode(t) || ts.isIntersectionTypeNode(t)) return t.types.some((x) => mayBeFunctionList(x));
  if (ts.isTypeOperatorNode(t)) return t.operator === ts.SyntaxKind.ReadonlyKeyword && mayBeFunctionList(t.type);
  if (ts.isArrayTypeNode(t)) return mayBeFunctionType(t.elementType);
  if (ts.isTupleTypeNode(t)) return t.elements.some((e) => mayBeFunctionType(ts.isNamedTupleMember(e) ? e.type : e));
  if (ts.isTypeReferenceNode(t)) {
    const name = ts.isIdentifier(t.typeName) ? t.typeName.text : t.typeName.right.text;
    return LISTS.has(name) && (t.typeArguments?.length ?? 0) === 1 && mayBeFunctionType(t.typeArguments![0]!);
  }
  return false;
}

/** Library types holding elements that iteration and `find` give. */
const LISTS = new Set(['Array', 'ReadonlyArray', 'Set', 'ReadonlySet', 'Iterable']);

/**
 * The elements a table call through a function's own parameter reaches (`run(steps: Fee[]) { for
 * (const s of steps) s(x) }`): `param:<function id>#<index>[]`, what callers pass there, joined
 * when the graph is assembled. `decls` are what the table's name resolved to.
 */
export function parameterElementKeys(ctx: CallTargetContext, decls: readonly ts.Declaration[]): string[] {
  const keys: string[] = [];
  for (const d of decls) {
    if (!ts.isParameter(d) || !ts.isIdentifier(d.name) || d.dotDotDotToken || ts.isParameterPropertyDeclaration(d, d.parent)) continue;
    if (d.type && !mayBeFunctionList(d.type) && d.type.kind !== ts.SyntaxKind.AnyKeyword && d.type.kind !== ts.SyntaxKind.UnknownKeyword) continue;
    const fn = d.parent;
    const params = fn.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'));
    const id = functionIdOf(ctx, fn);
    if (id) keys.push(`${PARAMETER}${id}#${params.indexOf(d)}${ELEMENTS}`);
  }
  return keys;
}

/** Whether a declared type may, by its syntax, be a function's: not a primitive, a literal, an array or tuple, a standard collection, an object type without a call signature. */
function mayBeFunctionType(t: ts.TypeNode): boolean {
  if (ts.isParenthesizedTypeNode(t)) return mayBeFunctionType(t.type);
  if (ts.isUnionTypeNode(t) || ts.isIntersectionTypeNode(t)) return t.types.some((x) => mayBeFunctionType(x));
  if (ts.isTypeLiteralNode(t)) return t.members.some((m) => ts.isCallSignatureDeclaration(m));
  if (ts.isTypeReferenceNode(t)) return !COLLECTIONS.has(ts.isIdentifier(t.typeName) ? t.typeName.text : t.typeName.right.text);
  if (ts.isLiteralTypeNode(t) || ts.isArrayTypeNode(t) || ts.isTupleTypeNode(t) || ts.isTypeOperatorNode(t) || ts.isTemplateLiteralTypeNode(t)) return false;
  if (t.kind === ts.SyntaxKind.AnyKeyword || t.kind === ts.SyntaxKind.UnknownKeyword || t.kind === ts.SyntaxKind.ObjectKeyword) return true;
  return !isKeywordType(t.kind);
}

const isKeywordType = (k: ts.SyntaxKind): boolean => k >= ts.SyntaxKind.FirstKeyword && k <= ts.SyntaxKind.LastKeyword;

/** Library types that hold, never are, functions. */
const COLLECTIONS = new Set([
  'Array',
  'ReadonlyArray',
  'Map',
  'ReadonlyMap',
  'Set',
  'ReadonlySet',
  'WeakMap',
  'WeakSet',
  'Record',
  'Promise',
  'Date',
  'RegExp',
]);

/**
 * Whether a value may be a repository function, by its syntax (checked before anything is asked
 * of the checker: most assigned values are data).
 */
export function mayHoldFunction(ctx: CallTargetContext, v: ts.Expression): boolean {
  v = unwrap(v);
  if (isFunctionLike(v)) return true;
  if (ts.isIdentifier(v)) return ctx.definitions.knownNames.has(v.text);
  if (ts.isPropertyAccessExpression(v)) return ctx.definitions.knownNames.has(v.name.text) || (v.name.text === 'bind' && mayHoldFunction(ctx, v.expression));
  if (ts.isCallExpression(v)) return mayHoldFunction(ctx, v.expression);
  if (ts.isConditionalExpression(v)) return mayHoldFunction(ctx, v.whenTrue) || mayHoldFunction(ctx, v.whenFalse);
  if (ts.isBinaryExpression(v) && isFallback(v.operatorToken.kind)) return mayHoldFunction(ctx, v.left) || mayHoldFunction(ctx, v.right);
  return false;
}

const isFallback = (k: ts.SyntaxKind): boolean =>
  k === ts.SyntaxKind.QuestionQuestionToken || k === ts.SyntaxKind.BarBarToken || k === ts.SyntaxKind.AmpersandAmpersandToken;

/**
 * The repository functions a stored value is: a function written in place, a function or method
 * named (`chargeCard`, `this.onCard`, `this.onCard.bind(this)`), what a repository factory returns
 * by name (`makeHandler()`), either branch of `a ? f : g` and either side of `f ?? g`.
 */
export function storedTargets(ctx: CallTargetContext, v: ts.Expression): string[] {
  const out = new Set<string>();
  addStored(ctx, v, out, 0);
  return [...out].filter((id) => isCallable(ctx.definitions.idKinds, id));
}

/** storedTargets of a name whose declarations are already resolved (`decls`, recorded as dependencies here). */
export function storedTargetsOf(ctx: CallTargetContext, decls: readonly ts.Declaration[]): string[] {
  const out = new Set<string>();
  ctx.touch(decls);
  for (const d of decls) ctx.index.idsForDecl(d, out, 0, ctx.touch);
  return [...out].filter((id) => isCallable(ctx.definitions.idKinds, id));
}

function addStored(ctx: CallTargetContext, v: ts.Expression, out: Set<string>, depth: number): void {
  if (depth > 4) return;
  v = unwrap(v);
  if (isFunctionLike(v)) {
    const id = ctx.index.declToId.get(v);
    if (id) out.add(id);
  } else if (ts.isIdentifier(v) || ts.isPropertyAccessExpression(v)) {
    const { decls } = ctx.index.resolveSymbol(v, ctx.touch);
    for (const d of decls) ctx.index.idsForDecl(d, out, 0, ctx.touch);
  } else if (ts.isCallExpression(v)) {
    const callee = unwrap(v.expression);
    // `f.bind(this)` is `f`; any other call hands back what the function it runs returns by name
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'bind') addStored(ctx, callee.expression, out, depth + 1);
    else if (ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee)) returnedTargets(ctx, callee, out);
  } else if (ts.isConditionalExpression(v)) {
    addStored(ctx, v.whenTrue, out, depth + 1);
    addStored(ctx, v.whenFalse, out, depth + 1);
  } else if (ts.isBinaryExpression(v) && isFallback(v.operatorToken.kind)) {
    addStored(ctx, v.left, out, depth + 1);
    addStored(ctx, v.right, out, depth + 1);
  }
}

/**
 * Whether a value is, by its syntax, a parameter of a function around it (`fn` in `register(k, fn)
 * { this.handlers.set(k, fn) }`): checked before anything is asked of the checker.
 */
export function mayBeParameter(v: ts.Expression): boolean {
  const found = enclosingParameter(unwrap(v));
  // a parameter declared as data (`n: number`, `rows: Row[]`) is given no function
  return found !== undefined && (!found.decl.type || mayBeFunctionType(found.decl.type));
}

function enclosingParameter(v: ts.Expression): { fn: ts.SignatureDeclaration; index: number; decl: ts.ParameterDeclaration } | undefined {
  if (!ts.isIdentifier(v)) return undefined;
  for (let n: ts.Node | undefined = v.parent; n; n = n.parent) {
    if (!ts.isFunctionLike(n)) continue;
    // a `this` parameter takes no argument
    const params = n.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'));
    const index = params.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === v.text);
    if (index >= 0) return params[index]!.dotDotDotToken ? undefined : { fn: n, index, decl: params[index]! };
  }
  return undefined;
}

/**
 * The parameter a stored value is, as `<function id>#<index>`, when the checker agrees the name
 * is that parameter (not a local shadowing it): what callers pass there is what is stored.
 */
export function storedParameter(ctx: CallTargetContext, v: ts.Expression): string | undefined {
  v = unwrap(v);
  const found = enclosingParameter(v);
  if (!found) return undefined;
  // `{ kind, run }`: the name of a shorthand property is the property's, its value the variable's
  const decls =
    ts.isIdentifier(v) && ts.isShorthandPropertyAssignment(v.parent)
      ? (ctx.index.checker.getShorthandAssignmentValueSymbol(v.parent)?.declarations ?? [])
      : ctx.index.resolveSymbol(v, ctx.touch).decls;
  if (!decls.some((d) => d.parent === found.fn && ts.isParameter(d))) return undefined;
  const id = functionIdOf(ctx, found.fn);
  return id ? `${id}#${found.index}` : undefined;
}
