// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { moduleNameFor } from '../facts.js';
import { invokedParams } from './invoked-params.js';
import { bindingNames, isFunctionLike, lineOf, nameText } from './syntax.js';
import type { FileDefinition } from './model.js';
import type { DefinitionKind } from '../types.js';

/** Definitions of one file with the nodes that declare them. */
export interface FileDefinitions {
  defs: FileDefinition[];
  decls: [ts.Node, string][];
  members: [ts.Node, Map<string, string>][];
  /** Object-literal properties holding a function by name (`{ pay: settle }`, `{ settle }`). */
  valueProps: string[];
  arities: [string, number, number][];
  invokes: [string, number[], number][];
}

/**
 * Definitions of one file with their declaration nodes (a program's parses of the file are
 * indexed by the nodes' positions, see node-index.ts, so this runs once per file content).
 */
export function recordDefinitions(sf: ts.SourceFile, rel: string): FileDefinitions {
  return new DefinitionRecorder(sf, rel).record();
}

/**
 * The argument counts a function accepts: [min, max], max -1 for any. JavaScript never requires an
 * argument (a missing one is undefined), and a body reading `arguments` takes any number.
 */
function arityOf(fn: ts.SignatureDeclaration, isJs: boolean, sf: ts.SourceFile): [number, number] {
  const params = fn.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'));
  let min = 0;
  let max = params.length;
  for (const p of params) {
    if (p.dotDotDotToken) max = -1;
    else if (!p.initializer && !p.questionToken) min++;
  }
  if (isJs) {
    min = 0;
    const body = (fn as ts.FunctionLikeDeclaration).body;
    if (body && /\barguments\b/.test(sf.text.slice(body.pos, body.end))) max = -1;
  }
  return [min, max];
}

/** The node kinds {@link DefinitionRecorder.visitDefinition} can record something for. */
const DEFINING_KINDS: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.ClassDeclaration,
  ts.SyntaxKind.ClassExpression,
  ts.SyntaxKind.InterfaceDeclaration,
  ts.SyntaxKind.VariableStatement,
  ts.SyntaxKind.VariableDeclaration,
  ts.SyntaxKind.ImportDeclaration,
  ts.SyntaxKind.ExpressionStatement,
  ts.SyntaxKind.ExportAssignment,
  ts.SyntaxKind.ModuleDeclaration,
  ts.SyntaxKind.EnumDeclaration,
]);

const qualified = (scope: string, name: string): string => (scope ? `${scope}.${name}` : name);

/** One walk over a file's syntax recording each definition under its scoped id. */
class DefinitionRecorder {
  private readonly rec: FileDefinitions = { defs: [], decls: [], members: [], valueProps: [], arities: [], invokes: [] };
  private readonly isJs: boolean;
  /**
   * Anonymous functions so far per scope and kind: they are named `<arrowN>`, `<functionN>` (a
   * function expression) and `<methodN>` (a method of an object literal no declaration names) in
   * source order within it, as PyCG names lambdas.
   */
  private readonly anonymousCounts = new Map<string, number>();
  /** Function declarations without a body so far by id, for the implementation that follows them. */
  private readonly overloadSignatures = new Map<string, ts.FunctionDeclaration[]>();
  /** Functions and methods recorded so far by id, with their argument counts and latest declaration: an overload's next declaration widens them. */
  private readonly callables = new Map<string, { def: FileDefinition; arity?: [string, number, number]; container?: object; last: ts.Node }>();
  /**
   * Class fields of function type with no value (methods without a body, see visitClassMember) by
   * id: a function assigned to that id later (`Billing.hook = function …`) is the definition, as it
   * was when such a field was a data binding.
   */
  private readonly bodilessFields = new Map<string, FileDefinition>();

  constructor(
    private readonly sf: ts.SourceFile,
    private readonly rel: string,
  ) {
    this.isJs = /\.[mc]?jsx?$/.test(rel);
  }

  record(): FileDefinitions {
    const module = moduleNameFor(this.rel, 'ts');
    this.addDef(this.sf, module, 'module');
    this.sf.forEachChild((c) => this.visit(c, module, true));
    return this.rec;
  }

  /** `container`: the class, object literal or overload group a declaration that may be repeated belongs to (see widensDeclared). */
  private addDef(node: ts.Node, id: string, kind: DefinitionKind, span: ts.Node = node, container?: object): void {
    const { rec, sf } = this;
    rec.decls.push([node, id]);
    const def: FileDefinition = [id, kind, lineOf(sf, span.getStart(sf)), lineOf(sf, span.getEnd())];
    if ((kind === 'function' || kind === 'method') && this.widensDeclared(node, def, container)) return;
    const field = this.bodilessFields.get(id);
    if (field && (kind === 'function' || kind === 'method')) {
      rec.defs.splice(rec.defs.indexOf(field), 1);
      this.bodilessFields.delete(id);
      this.callables.delete(id);
    }
    rec.defs.push(def);
    if (kind === 'function' || kind === 'method') {
      const fn = ts.isFunctionLike(node)
        ? node
        : 'initializer' in node && isFunctionLike((node as ts.VariableDeclaration).initializer)
          ? ((node as ts.VariableDeclaration).initializer as ts.FunctionLikeDeclaration)
          : undefined;
      const entry: { def: FileDefinition; arity?: [string, number, number]; container?: object; last: ts.Node } = { def, container, last: node };
      if (!this.callables.has(id)) this.callables.set(id, entry);
      if (fn) {
        entry.arity = [id, ...arityOf(fn, this.isJs, sf)];
        rec.arities.push(entry.arity);
        this.recordInvokes(id, fn);
      }
    }
  }

  /**
   * Another declaration of a function or method already recorded (an overload signature, the
   * implementation after its signatures, a setter beside its getter, an abstract overload): one
   * definition spanning them all, so a change to the implementation's body is the method's and not
   * its class's, accepting the argument counts of every declaration. Only within one container: two
   * declarations of an interface merged in one file stay apart (the lines between are neither's).
   * And only adjacent declarations: a getter and a setter with a field or static block between stay
   * apart as before (the first keeps the id), so the lines between stay their class's or object's
   * and not the accessor's. True when `def` was so merged.
   */
  private widensDeclared(node: ts.Node, def: FileDefinition, container: object | undefined): boolean {
    const known = this.callables.get(def[0]);
    if (!known || container === undefined || known.container !== container || known.def[1] !== def[1] || !isOverloadable(node)) return false;
    // adjacent: nothing but a separator between the last declaration and this one's leading trivia
    // (the syntax a declaration is recorded from has no parent links to ask for its siblings)
    if (!/^[,;]?$/.test(this.sf.text.slice(known.last.end, node.pos).trim())) return false;
    known.last = node;
    known.def[2] = Math.min(known.def[2], def[2]);
    known.def[3] = Math.max(known.def[3], def[3]);
    const [min, max] = arityOf(node, this.isJs, this.sf);
    if (!known.arity) this.rec.arities.push((known.arity = [def[0], min, max]));
    else {
      known.arity[1] = Math.min(known.arity[1], min);
      known.arity[2] = known.arity[2] < 0 || max < 0 ? -1 : Math.max(known.arity[2], max);
    }
    // the implementation, whichever of the declarations it is
    if (!ts.isMethodSignature(node) && node.body && !this.rec.invokes.some(([id]) => id === def[0])) this.recordInvokes(def[0], node);
    return true;
  }

  /** An outline may blank an annotated body: what it invokes is recorded here, for callbacks passed to it. */
  private recordInvokes(id: string, fn: ts.SignatureDeclaration & { body?: ts.Node }): void {
    if (!fn.body || !ts.isBlock(fn.body) || !(fn.type || ts.isSetAccessorDeclaration(fn))) return;
    const inv = invokedParams(fn);
    if (inv.params.size > 0) this.rec.invokes.push([id, [...inv.params].sort((a, b) => a - b), inv.rest]);
  }

  /** The scope `visitChild` visits in: one visitor for every node, not a closure per node (a file has hundreds of thousands). */
  private childScope = '';
  private readonly visitChild = (c: ts.Node): void => this.visit(c, this.childScope, false);

  /** Visits `node`'s children in `scope`, not at module level. */
  private visitChildren(node: ts.Node, scope: string): void {
    const outer = this.childScope;
    this.childScope = scope;
    node.forEachChild(this.visitChild);
    this.childScope = outer;
  }

  private visit(node: ts.Node, scope: string, atModule: boolean): void {
    if (ts.isArrowFunction(node)) return this.visitAnonymousFunction(node, scope, 'arrow');
    if (ts.isFunctionExpression(node)) return this.visitAnonymousFunction(node, scope, 'function');
    if (ts.isObjectLiteralExpression(node)) return this.visitAnonymousObject(node, scope);
    // most nodes are expressions and statements that define nothing: one set lookup, not a dozen tests
    if (!DEFINING_KINDS.has(node.kind) || !this.visitDefinition(node, scope, atModule)) this.visitChildren(node, scope);
  }

  /** A function's body; an expression body is visited itself (it may be an arrow: `() => () => f()`). */
  private visitBody(body: ts.ConciseBody, id: string): void {
    if (ts.isBlock(body)) this.visitChildren(body, id);
    else this.visit(body, id, false);
  }

  /**
   * A function no declaration names (a callback argument, an IIFE, a returned closure, a method of
   * an object pushed into a table): a function of its own, `<arrowN>`, `<functionN>` or
   * `<methodN>` within its scope, so what it calls is its own and a call through the table reaches
   * it. Functions a declaration names never get here.
   */
  private visitAnonymousFunction(
    node: ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration,
    scope: string,
    kind: 'arrow' | 'function' | 'method',
  ): void {
    const key = `${scope}\0${kind}`;
    const count = (this.anonymousCounts.get(key) ?? 0) + 1;
    this.anonymousCounts.set(key, count);
    const id = qualified(scope, `<${kind}${count}>`);
    this.addDef(node, id, 'function');
    this.visitChildren(node, id);
  }

  /** An object literal no declaration names (`rules.push({ run(x) { … } })`): each method with a body is an anonymous function. */
  private visitAnonymousObject(lit: ts.ObjectLiteralExpression, scope: string): void {
    for (const p of lit.properties) {
      if (ts.isMethodDeclaration(p) && p.body) this.visitAnonymousFunction(p, scope, 'method');
      else this.visitChildren(p, scope);
    }
  }

  /** Records what `node` defines and visits inside it; false when it defines nothing (its children are then visited in `scope`). */
  private visitDefinition(node: ts.Node, scope: string, atModule: boolean): boolean {
    if (ts.isFunctionDeclaration(node)) return this.visitFunctionDeclaration(node, scope);
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node) || ts.isInterfaceDeclaration(node)) return this.visitClassLike(node, scope);
    if (ts.isVariableStatement(node) && atModule) {
      for (const d of node.declarationList.declarations) this.visitModuleVariable(d, node, scope);
      return true;
    }
    if (ts.isVariableDeclaration(node) && !atModule) return this.visitLocalFunction(node, scope);
    if (ts.isImportDeclaration(node) && atModule && node.importClause) {
      this.visitImportClause(node.importClause, node, scope);
      return true;
    }
    // `rules.push({ kind: 'card', run: chargeCard })`: `r.run(x)` on an element calls what `run` holds
    if (ts.isExpressionStatement(node) && ts.isCallExpression(node.expression) && ts.isPropertyAccessExpression(node.expression.expression)) {
      const name = node.expression.expression.name.text;
      if (name === 'push' || name === 'unshift' || name === 'add') for (const a of node.expression.arguments) this.noteHeldProps(a, 0);
    }
    if (atModule && ts.isExpressionStatement(node)) {
      const e = node.expression;
      if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken && isFunctionLike(e.right) && ts.isPropertyAccessExpression(e.left))
        return this.visitAssignedFunction(node, e, scope);
      return false;
    }
    if (ts.isExportAssignment(node) && atModule && isFunctionLike(node.expression)) {
      const id = qualified(scope, 'default');
      this.addDef(node.expression, id, 'function', node);
      this.visitBody(node.expression.body, id);
      return true;
    }
    // an enum is data its readers depend on (`SubscriptionType.Basic`); its members are visited as usual
    if (ts.isEnumDeclaration(node) && atModule) {
      this.addDef(node, qualified(scope, node.name.text), 'binding');
      return false;
    }
    if (ts.isModuleDeclaration(node) && node.body && ts.isModuleBlock(node.body) && ts.isIdentifier(node.name)) {
      const id = qualified(scope, node.name.text);
      node.body.forEachChild((c) => this.visit(c, id, atModule));
      return true;
    }
    return false;
  }

  private visitFunctionDeclaration(node: ts.FunctionDeclaration, scope: string): boolean {
    const isDefault = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    const name = node.name?.text ?? (isDefault ? 'default' : undefined);
    if (!name) return false;
    const id = qualified(scope, name);
    // an overload signature: part of the implementation that follows it (an ambient `declare
    // function` that none follows defines nothing)
    if (!node.body) {
      const l = this.overloadSignatures.get(id);
      if (l) l.push(node);
      else this.overloadSignatures.set(id, [node]);
      return false;
    }
    const signatures = this.overloadSignatures.get(id) ?? [];
    for (const signature of signatures) this.addDef(signature, id, 'function', signature, signatures);
    this.overloadSignatures.delete(id);
    this.addDef(node, id, 'function', node, signatures);
    this.visitChildren(node.body, id);
    return true;
  }

  /** `variableName`: the variable a class expression initialises (`const X = class { … }` is class X). */
  private visitClassLike(node: ts.ClassDeclaration | ts.ClassExpression | ts.InterfaceDeclaration, scope: string, variableName?: string): boolean {
    const isDefault = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    const name = node.name?.text ?? (isDefault ? 'default' : variableName);
    if (!name) return false;
    const cid = qualified(scope, name);
    this.addDef(node, cid, 'class');
    const members = new Map<string, string>();
    this.rec.members.push([node, members]);
    for (const m of node.members) this.visitClassMember(m, cid, members);
    // data fields after the members, so a method or accessor of the same name (a static field
    // beside an instance method) keeps the id
    for (const m of node.members) {
      if (ts.isPropertyDeclaration(m)) this.visitDataField(m, cid, members);
      // a constructor's parameter property (`constructor(@Inject(T) private readonly x: X)`) is a field too
      else if (ts.isConstructorDeclaration(m)) for (const p of m.parameters) if (ts.isParameterPropertyDeclaration(p, m)) this.visitDataField(p, cid, members);
    }
    return true;
  }

  private visitClassMember(m: ts.ClassElement | ts.TypeElement, cid: string, members: Map<string, string>): void {
    let mname: string | undefined;
    let body: ts.Node | undefined;
    if (ts.isConstructorDeclaration(m)) {
      mname = 'constructor';
      body = m.body;
    } else if (ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m) || ts.isMethodSignature(m)) {
      mname = nameText(m.name);
      body = 'body' in m ? m.body : undefined;
    } else if (ts.isPropertyDeclaration(m) && isFunctionLike(m.initializer)) {
      mname = nameText(m.name);
      body = m.initializer;
      this.rec.decls.push([m.initializer, `${cid}.${mname}`]);
    } else if ((ts.isPropertySignature(m) || (ts.isPropertyDeclaration(m) && !m.initializer)) && m.type && holdsFunctionType(m.type)) {
      // a field declared with a function type and no value here (`abstract handle: (x: number) =>
      // void;`): a call through it reaches the arrow fields of subclasses and implementations
      mname = nameText(m.name);
    }
    if (!mname) {
      this.visitChildren(m, cid);
      return;
    }
    const mid = `${cid}.${mname}`;
    this.addDef(m, mid, 'method', m, members);
    // the first definition of its id in the file, a field of function type with no value
    const first = this.callables.get(mid);
    if (!body && ts.isPropertyDeclaration(m) && first?.last === m) this.bodilessFields.set(mid, first.def);
    members.set(mname, mid);
    if (body) this.visitChildren(body, mid);
  }

  /**
   * A field that holds data (`private static mapping = {…}`, `readonly url = '…'`, a decorated
   * field): a binding, so a change to its initializer, type or decorators changes every function
   * that reads or writes it, as a changed module constant does. Calls in its initializer stay the
   * module's, as before (see the walker's scopeOf).
   */
  private visitDataField(m: ts.PropertyDeclaration | ts.ParameterDeclaration, cid: string, members: Map<string, string>): void {
    const name = nameText(m.name);
    if (name === undefined || members.has(name) || isFunctionLike(m.initializer)) return;
    this.addDef(m, `${cid}.${name}`, 'binding');
  }

  private visitModuleVariable(d: ts.VariableDeclaration, statement: ts.VariableStatement, scope: string): void {
    const name = nameText(d.name);
    if (name && isFunctionLike(d.initializer)) {
      const id = qualified(scope, name);
      this.addDef(d, id, 'function', statement);
      this.rec.decls.push([d.initializer, id]);
      this.visitBody(d.initializer.body, id);
    } else if (name && d.initializer && ts.isClassExpression(d.initializer)) {
      // `const X = class { … }` is class X with methods X.m, as a class declaration would be
      if (!this.visitClassLike(d.initializer, scope, name)) this.visitChildren(d.initializer, scope);
    } else {
      if (name) this.addDef(d, qualified(scope, name), 'binding', statement);
      else for (const n of bindingNames(d.name)) this.addDef(n, qualified(scope, n.text), 'binding', statement);
      if (d.initializer) this.visitObjectLiteral(d.initializer, name ? qualified(scope, name) : scope, scope);
    }
  }

  private visitLocalFunction(node: ts.VariableDeclaration, scope: string): boolean {
    const name = nameText(node.name);
    if (name && node.initializer && ts.isClassExpression(node.initializer)) return this.visitClassLike(node.initializer, scope, name);
    if (!name || !isFunctionLike(node.initializer)) return false;
    const id = qualified(scope, name);
    this.addDef(node, id, 'function');
    this.rec.decls.push([node.initializer, id]);
    this.visitBody(node.initializer.body, id);
    return true;
  }

  private visitImportClause(c: ts.ImportClause, statement: ts.ImportDeclaration, scope: string): void {
    if (c.name) this.addDef(c.name, qualified(scope, c.name.text), 'binding', statement);
    const nb = c.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) this.addDef(nb.name, qualified(scope, nb.name.text), 'binding', statement);
    if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) this.addDef(el.name, qualified(scope, el.name.text), 'binding', statement);
  }

  /**
   * CommonJS exports (`module.exports.x = function`, `exports.x = …`) define `x` of the module; an
   * expando (`f.helper = () => …`) defines `f.helper`.
   */
  private visitAssignedFunction(node: ts.ExpressionStatement, bin: ts.BinaryExpression, scope: string): boolean {
    const left = bin.left as ts.PropertyAccessExpression;
    const fn = bin.right as ts.ArrowFunction | ts.FunctionExpression;
    const owner = left.expression;
    const isExports =
      (ts.isIdentifier(owner) && owner.text === 'exports') ||
      (ts.isPropertyAccessExpression(owner) && ts.isIdentifier(owner.expression) && owner.expression.text === 'module' && owner.name.text === 'exports');
    const ownerName = isExports ? '' : ts.isIdentifier(owner) ? owner.text : undefined;
    if (ownerName === undefined || (ownerName === 'module' && left.name.text === 'exports')) return false;
    const id = qualified(scope, ownerName ? `${ownerName}.${left.name.text}` : left.name.text);
    this.addDef(fn, id, 'function', node);
    this.rec.decls.push([bin, id], [left, id]);
    this.visitBody(fn.body, id);
    return true;
  }

  private visitObjectLiteral(init: ts.Expression, objId: string, scope: string): void {
    // `{ … } satisfies T` and `{ … } as const` define the same methods as the bare literal
    let lit: ts.Expression = init;
    while (ts.isParenthesizedExpression(lit) || ts.isAsExpression(lit) || ts.isSatisfiesExpression(lit)) lit = lit.expression;
    if (!ts.isObjectLiteralExpression(lit)) {
      // `[{ kind: 'card', run: chargeCard }]`: `r.run(x)` on an element calls what `run` holds
      if (ts.isArrayLiteralExpression(lit)) for (const el of lit.elements) this.noteHeldProps(el, 0);
      this.visitChildren(init, scope);
      return;
    }
    for (const p of lit.properties) this.visitObjectProperty(p, objId, scope, lit);
  }

  private visitObjectProperty(p: ts.ObjectLiteralElementLike, objId: string, scope: string, lit: ts.ObjectLiteralExpression): void {
    const pname = nameText(p.name);
    if (pname && (ts.isMethodDeclaration(p) || ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p)) && p.body) {
      this.addDef(p, `${objId}.${pname}`, 'method', p, lit);
      this.visitChildren(p.body, `${objId}.${pname}`);
    } else if (pname && ts.isPropertyAssignment(p) && (ts.isIdentifier(p.initializer) || ts.isPropertyAccessExpression(p.initializer))) {
      // a handler table: `obj.pay()` calls what `pay` holds, resolved where it is called
      this.rec.valueProps.push(pname);
      this.visitChildren(p, scope);
    } else if (ts.isShorthandPropertyAssignment(p)) {
      this.rec.valueProps.push(p.name.text);
      this.visitChildren(p, scope);
    } else if (pname && ts.isPropertyAssignment(p) && isFunctionLike(p.initializer)) {
      this.addDef(p, `${objId}.${pname}`, 'method');
      this.rec.decls.push([p.initializer, `${objId}.${pname}`]);
      this.visitBody(p.initializer.body, `${objId}.${pname}`);
    } else {
      // a record of objects (`{ card: { run: chargeCard } }`): `RULES[k].run(x)` calls what `run` holds
      if (ts.isPropertyAssignment(p)) this.noteHeldProps(p.initializer, 0);
      this.visitChildren(p, scope);
    }
  }

  /**
   * The properties that hold a function, by their syntax, of the objects in a table's initializer
   * (`{ run: chargeCard }`, `{ run: (x) => … }`, `{ chargeCard }`): calls through such a name on
   * an element are resolved, not skipped as a name no definition carries.
   */
  private noteHeldProps(e: ts.Expression, depth: number): void {
    while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
    if (depth > 2 || !ts.isObjectLiteralExpression(e)) return;
    for (const p of e.properties) {
      if (ts.isShorthandPropertyAssignment(p)) this.rec.valueProps.push(p.name.text);
      else if (ts.isMethodDeclaration(p) && nameText(p.name) !== undefined) this.rec.valueProps.push(nameText(p.name)!);
      else if (ts.isPropertyAssignment(p) && nameText(p.name) !== undefined) {
        const v = p.initializer;
        if (ts.isIdentifier(v) || ts.isPropertyAccessExpression(v) || isFunctionLike(v)) this.rec.valueProps.push(nameText(p.name)!);
        else this.noteHeldProps(v, depth + 1);
      }
    }
  }
}

/** Declarations that may declare one function or method more than once (overloads, accessor pairs). */
function isOverloadable(
  n: ts.Node,
): n is ts.FunctionDeclaration | ts.MethodDeclaration | ts.MethodSignature | ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration {
  return (
    ts.isFunctionDeclaration(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isMethodSignature(n) ||
    ts.isConstructorDeclaration(n) ||
    ts.isGetAccessorDeclaration(n) ||
    ts.isSetAccessorDeclaration(n)
  );
}

/** A function type, parenthesized or in a union (`((x: number) => void) | undefined`). */
function holdsFunctionType(t: ts.TypeNode): boolean {
  if (ts.isFunctionTypeNode(t)) return true;
  if (ts.isParenthesizedTypeNode(t)) return holdsFunctionType(t.type);
  return ts.isUnionTypeNode(t) && t.types.some(holdsFunctionType);
}
