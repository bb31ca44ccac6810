// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import {
  callbackInvokers,
  calledTable,
  calleeDeclarations,
  calleeFunctionIds,
  callResultTargets,
  contentsOf,
  ELEMENT_PARAMETER,
  factoryTargets,
  indexedTable,
  invokingFunctions,
  memberTargets,
  type CallTargetContext,
} from './call-targets.js';
import { functionsOf, isListDeclaration, listContents, loadKeysOf, mayBuildList } from './list-contents.js';
import { VIRTUAL_ROOT } from './compiler.js';
import {
  declaredFieldKey,
  fieldKeys,
  fieldParameterStore,
  fieldKeysOf,
  isCollectionAdd,
  isMapSet,
  mayAddToCollection,
  mayBeFunctionList,
  mayBeParameter,
  mayHoldFunction,
  memberKeys,
  parameterPropertyStore,
  storedParameter,
  storedTargets,
  storedTargetsOf,
  tableKeys,
} from './stored-functions.js';
import { addEdge, argCount, BARE, bindingNames, isFunctionLike, jsxName, listOf, unwrap, type EdgeMap } from './syntax.js';
import { ELEMENTS, HELD, PARAMETER, type TsFileEdges, returnsDependency } from './model.js';
import type { ProgramIndex } from './program-index.js';
import type { RepositoryDefinitions } from './repository-definitions.js';

const ANONYMOUS_FUNCTION = /(?:^|\.)<(?:arrow|function|method)\d+>$/;
/**
 * One walk of a file of the current program with its checker: the calls and reads of each of its
 * functions, the calls only resolvable by name, its classes' heritage, and the files outside it
 * that a resolution went through (dependencies of the cached result).
 */
export class FileWalker implements CallTargetContext {
  private readonly calls: EdgeMap = new Map();
  private readonly reads: EdgeMap = new Map();
  private readonly byName: EdgeMap = new Map();
  /** Functions stored into a table or field: key → ids (see stored-functions.ts). */
  private readonly stores: EdgeMap = new Map();
  /** Calls through a table or field: caller → keys. */
  private readonly loads: EdgeMap = new Map();
  /** Functions passed to a repository function's parameter: `<function id>#<index>` → ids. */
  private readonly passes: EdgeMap = new Map();
  private readonly touched = new Set<string>();
  /** Files whose functions' returns the walk read (dependencies on their returns keys, in the import closure or not). */
  private readonly returnsRead = new Set<string>();
  private readonly selfRefs = new Set<string>();
  private readonly pending = new Set<string>();
  /** Names skipped because no repository definition or property carried them (knownNames). */
  private readonly unknown = new Set<string>();
  /** The scope of each node asked about so far (see scopeOf). */
  private readonly scopes = new Map<ts.Node, string>();
  /**
   * Names this file declares, above the node walked, as an element of a table (`for (const r of
   * rules)`, a callback's element parameter, `const r = rules.find(p)`): only a member called
   * through one of them is looked up among the table's objects (`r.run(x)`).
   */
  private readonly elementNames = new Set<string>();
  /** Names this file declares as arrays that may hold functions, by their syntax (`const steps = [a, b]`, `steps: Fee[]`): only such a name passed as an argument is followed into the callee. */
  private readonly listNames = new Set<string>();

  constructor(
    readonly index: ProgramIndex,
    readonly definitions: RepositoryDefinitions,
    private readonly sf: ts.SourceFile,
  ) {}

  /**
   * Walks the file; the edges with the dependencies outside `closure` (the key's import closure)
   * and their hashes. A RangeError (nesting too deep) propagates.
   */
  walk(closure: Set<string> | undefined, keys: { outline(file: string): string; returns(file: string): string }): TsFileEdges {
    this.sf.forEachChild(this.visit);
    const heritage = this.heritage();
    const also: [string, string][] = [...this.touched]
      .filter((f) => !closure?.has(f))
      .sort()
      .map((f): [string, string] => [f, keys.outline(f)])
      .concat([...this.returnsRead].sort().map((f): [string, string] => [returnsDependency(f), keys.returns(f)]));
    for (const id of this.selfRefs) {
      let l = this.calls.get(id);
      if (!l) this.calls.set(id, (l = new Set()));
      l.add(id);
    }
    return {
      calls: listOf(this.calls),
      reads: listOf(this.reads),
      byName: listOf(this.byName),
      stores: listOf(this.stores),
      loads: listOf(this.loads),
      passes: listOf(this.passes),
      heritage,
      also,
      pending: [...this.pending].sort(),
      unknown: [...this.unknown].sort(),
    };
  }

  /** Records that the walk read what `f` returns: a dependency on its file's returns key (see CallTargetContext). */
  readonly readReturns = (f: ts.Node): void => {
    const file = f.getSourceFile().fileName;
    if (file !== this.sf.fileName && file.startsWith(VIRTUAL_ROOT)) this.returnsRead.add(file);
  };

  readonly touch = (decls: readonly ts.Declaration[] | undefined): void => {
    for (const d of decls ?? []) {
      const f = d.getSourceFile().fileName;
      if (f !== this.sf.fileName && f.startsWith(VIRTUAL_ROOT)) this.touched.add(f);
    }
  };

  /** Each class/interface of this file → the repository types it extends/implements. */
  private heritage(): [string, string[]][] {
    const { index } = this;
    const heritage: [string, string[]][] = [];
    for (const decl of index.classNodesOf(this.sf)) {
      if (!ts.isClassLike(decl) && !ts.isInterfaceDeclaration(decl)) continue;
      const parents: string[] = [];
      for (const h of decl.heritageClauses ?? []) {
        for (const t of h.types) {
          const ds = index.declarationsOf(t.expression);
          this.touch(ds);
          for (const parent of ds) {
            const pid = index.declToId.get(parent);
            if (pid !== undefined) parents.push(pid);
          }
        }
      }
      if (parents.length > 0) heritage.push([index.declToId.get(decl)!, parents]);
    }
    return heritage;
  }

  /** The function, method or module a node is in (bindings and class bodies are not callers). */
  private scopeOf(node: ts.Node): string {
    const { index, scopes } = this;
    const { idKinds } = this.definitions;
    // every call and reference asks for its scope: each ancestor is looked up once per file
    const visited: ts.Node[] = [];
    let scope = '';
    for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
      const known = scopes.get(n);
      if (known !== undefined) {
        scope = known;
        break;
      }
      visited.push(n);
      const id = index.idInFile(this.sf, n);
      if (id !== undefined && idKinds.get(id) !== 'binding' && idKinds.get(id) !== 'class') {
        scope = id;
        break;
      }
      if (ts.isSourceFile(n)) {
        scope = index.idInFile(this.sf, n)!;
        break;
      }
    }
    for (const n of visited) scopes.set(n, scope);
    return scope;
  }

  /**
   * Records the files a receiver's type came from: its declarations, the type's declarations,
   * and through unannotated variables and properties the functions whose (inferred) return
   * types they hold, a few steps deep. Each is a dependency of this file's cached edges: in
   * `svc.pay()` with `const svc = makeSvc()` imported from b.ts, an edit to makeSvc in c.ts
   * changes what `pay` is although neither c.ts nor the class is imported here.
   */
  private touchOrigins(e: ts.Expression, depth: number): void {
    if (depth > 4) return;
    const { checker } = this.index;
    while (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isSatisfiesExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isTypeAssertionExpression(e)
    )
      e = e.expression;
    try {
      this.touch(checker.getTypeAtLocation(e).getSymbol()?.declarations);
      if (ts.isCallExpression(e) || ts.isNewExpression(e)) {
        const decl = checker.getResolvedSignature(e)?.declaration;
        if (decl && !ts.isJSDocSignature(decl)) this.touch([decl]);
        this.touchOrigins(e.expression, depth + 1);
        return;
      }
      if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) this.touchOrigins(e.expression, depth + 1);
      if (!ts.isIdentifier(e) && !ts.isPropertyAccessExpression(e)) return;
      // every hop of an import/re-export chain is a dependency (a switched re-export changes the type)
      for (const d of this.index.followAliases(checker.getSymbolAtLocation(e), this.touch)) {
        // an unannotated variable or property has its initializer's type, made wherever that came from
        if (
          (ts.isVariableDeclaration(d) || ts.isPropertyDeclaration(d) || ts.isPropertyAssignment(d)) &&
          !(ts.isPropertyAssignment(d) ? false : d.type) &&
          d.initializer
        ) {
          this.touchOrigins(d.initializer, depth + 1);
        } else if ((ts.isVariableDeclaration(d) || ts.isPropertyDeclaration(d) || ts.isParameter(d) || ts.isPropertySignature(d)) && d.type) {
          this.touchTypeNames(d.type);
        }
      }
    } catch {
      // an unresolvable receiver only means no dependency to record
    }
  }

  /** The declarations of a receiver's type and of the types it extends, transitively (each member of a union or intersection). */
  private touchBaseTypes(receiver: ts.Expression): void {
    const { checker } = this.index;
    try {
      const seen = new Set<ts.Type>();
      const todo = [checker.getTypeAtLocation(receiver)];
      while (todo.length > 0 && seen.size < 16) {
        const t = todo.pop()!;
        if (seen.has(t)) continue;
        seen.add(t);
        if (t.isUnionOrIntersection()) {
          todo.push(...t.types);
          continue;
        }
        this.touch(t.getSymbol()?.declarations);
        // a generic class's instance (`Box<number>`) extends what its declared class does
        const target = (t as Partial<ts.TypeReference>).target;
        const cls = t.isClassOrInterface() ? t : target?.isClassOrInterface() ? target : undefined;
        if (cls) todo.push(...checker.getBaseTypes(cls));
      }
    } catch {
      // an unresolvable receiver only means no dependency to record
    }
  }

  /**
   * An annotated declaration has the type its annotation names: every hop from the names it uses
   * to their declarations is a dependency (`chat: API.Chat` with `API` a namespace import of a file
   * that re-exports `Chat`: switching that re-export changes what `chat.create()` is).
   */
  private touchTypeNames(type: ts.TypeNode): void {
    const { checker } = this.index;
    const visit = (n: ts.Node): void => {
      if (ts.isTypeReferenceNode(n) || ts.isExpressionWithTypeArguments(n)) {
        let name: ts.Node = ts.isTypeReferenceNode(n) ? n.typeName : n.expression;
        for (;;) {
          this.index.followAliases(checker.getSymbolAtLocation(name), this.touch);
          if (ts.isQualifiedName(name)) name = name.left;
          else if (ts.isPropertyAccessExpression(name)) name = name.expression;
          else break;
        }
      }
      n.forEachChild(visit);
    };
    visit(type);
  }

  private recordReference(from: string, expr: ts.Node, isCall: boolean, argc = -1, noReads = false): void {
    const r = this.index.resolveSymbol(expr);
    this.touch(r.decls);
    // the receiver's type decides what a member access resolves to: where it came from are dependencies
    if (ts.isPropertyAccessExpression(expr)) this.touchOrigins(expr.expression, 0);
    const reader = noReads || r.aliasDecls.length === 0 ? undefined : this.readerOf(from, expr);
    if (reader !== undefined)
      for (const a of r.aliasDecls) {
        const b = this.index.aliasBindingId(a);
        if (b && b !== reader) addEdge(this.reads, reader, b);
      }
    let resolved = 0;
    for (const d of r.decls) resolved += this.recordDeclarationTargets(from, expr, d, isCall, noReads);
    // a call through a field, or a field passed on as a callback, runs the functions stored into it
    if (ts.isPropertyAccessExpression(expr) && (isCall || isArgument(expr))) this.addLoads(from, fieldKeysOf(this, r.decls), expr);
    // unresolved (any, untyped JS): every repository function/method of that name, expanded when
    // the graph is assembled; a bare name (`generateText()` imported from a package not read)
    // reaches the functions of that name when there are any, as a method is called with a receiver
    if (!r.known && resolved === 0 && (isCall || ts.isPropertyAccessExpression(expr))) {
      const name = ts.isPropertyAccessExpression(expr) ? expr.name.text : ts.isIdentifier(expr) ? expr.text : undefined;
      if (name && this.definitions.byShortName.has(name)) addEdge(this.byName, from, `${ts.isIdentifier(expr) ? BARE : ''}${name}/${isCall ? argc : -1}`);
      // no function of that name yet: one defined later must make this entry stale
      else if (name) this.pending.add(name);
    }
  }

  /** Adds the edges from `from` to what declaration `d` of `expr` stands for; the number of ids it stands for. */
  private recordDeclarationTargets(from: string, expr: ts.Node, d: ts.Declaration, isCall: boolean, noReads: boolean): number {
    const { idKinds } = this.definitions;
    const out = new Set<string>();
    this.index.idsForDecl(d, out, 0, this.touch);
    // naming a class in `extends`/`implements`, or to read or write one of its static data fields
    // (`Cls.LIMIT`), does not construct it; passing it on as a value may, and so may a static
    // method, accessor or field holding a function (`static create() { return new this(); }`,
    // which is not resolved)
    if (ts.isClassLike(d) && expr.parent && (ts.isExpressionWithTypeArguments(expr.parent) || this.isStaticDataFieldAccessOn(expr)))
      for (const id of out) if (id.endsWith('.constructor')) out.delete(id);
    // who reads a binding named here, asked once (at a module's top level it walks up the tree)
    let reader: string | undefined | null = noReads ? undefined : null;
    for (const id of out) {
      const k = idKinds.get(id);
      if (k === 'binding') {
        if (reader === null) reader = this.readerOf(from, expr);
        if (reader !== undefined && reader !== id) addEdge(this.reads, reader, id);
      } else if (k === 'class') {
        if (isCall) this.addCalls(from, [id], expr);
      } else if (k === 'function' || k === 'method') {
        // a self-reference is kept here: it stands for the method's overrides (e.g. an interface
        // method names itself), which assembling adds; the self-edge itself is dropped there
        if (from === id) this.selfRefs.add(id);
        // a binding's initializer runs what it calls and the callbacks it passes (`ITEMS.map(toRow)`);
        // a function it only holds (`const pay = settle`) or a class it names as a value (`new
        // Logger(Service.name)`) is no part of the value computed
        else if (!isCall && (ts.isClassLike(d) || !isArgument(expr))) addEdge(this.calls, from, id);
        else this.addCalls(from, [id], expr);
      }
    }
    return out.size;
  }

  /**
   * Whether `expr` is the object of `expr.name` that is neither called nor constructed and names
   * only static fields whose type has no call or construct signature (a flag, a count, a table of data).
   */
  private isStaticDataFieldAccessOn(expr: ts.Node): boolean {
    const p = expr.parent;
    if (!ts.isPropertyAccessExpression(p) || p.expression !== expr) return false;
    const use = p.parent;
    const invoked = ts.isCallExpression(use) || ts.isNewExpression(use) ? use.expression === p : ts.isTaggedTemplateExpression(use) && use.tag === p;
    if (invoked) return false;
    const { decls } = this.index.resolveSymbol(p);
    if (decls.length === 0 || !decls.every((d) => ts.isPropertyDeclaration(d))) return false;
    try {
      const t = this.index.checker.getTypeAtLocation(p);
      const callable = (x: ts.Type): boolean => x.getCallSignatures().length > 0 || x.getConstructSignatures().length > 0;
      const open = (x: ts.Type): boolean => (x.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.TypeParameter)) !== 0;
      const types = t.isUnion() ? t.types : [t];
      if (types.some(callable)) return false;
      // a type the checker cannot know (`static TTL = ms('30 seconds')`, a library not loaded):
      // data when every initializer is, by its syntax, unable to make the class
      return !types.some(open) || decls.every((d) => this.initializerIsData(d));
    } catch {
      return false;
    }
  }

  /**
   * Whether a static field's initializer cannot yield something that constructs its class: it holds
   * no function or class, no `this` or `super`, no mention of the class's name and no call of
   * repository code, which may hand back a factory (`ms('30 seconds')`, a literal, a table of
   * literals are data). No initializer at all: unknown, so not data.
   */
  private initializerIsData(d: ts.PropertyDeclaration): boolean {
    const init = d.initializer;
    if (!init) return false;
    const cls = ts.isClassLike(d.parent) ? d.parent.name?.text : undefined;
    let data = true;
    const visit = (n: ts.Node): void => {
      if (!data) return;
      if (
        ts.isFunctionLike(n) ||
        ts.isClassLike(n) ||
        n.kind === ts.SyntaxKind.ThisKeyword ||
        n.kind === ts.SyntaxKind.SuperKeyword ||
        (cls !== undefined && ts.isIdentifier(n) && n.text === cls) ||
        ((ts.isCallExpression(n) || ts.isNewExpression(n) || ts.isTaggedTemplateExpression(n)) && this.callsRepositoryCode(n))
      ) {
        data = false;
        return;
      }
      n.forEachChild(visit);
    };
    visit(init);
    return data;
  }

  /** Whether what a call invokes is, or may be, repository code (resolved to a repository declaration). */
  private callsRepositoryCode(n: ts.CallExpression | ts.NewExpression | ts.TaggedTemplateExpression): boolean {
    const callee = ts.isTaggedTemplateExpression(n) ? n.tag : n.expression;
    const out = new Set<string>();
    for (const d of this.index.resolveSymbol(callee).decls) this.index.idsForDecl(d, out, 0);
    return out.size > 0;
  }

  /**
   * Which arguments of `call` go, in every signature of the callee, to a parameter declared as a
   * primitive (`JSON.parse(row.value)`): no function can be meant there. None in JavaScript (its
   * JSDoc types are not checked), nor at or after a spread argument (positions are not known).
   */
  private primitiveArguments(call: ts.CallExpression | ts.NewExpression): (i: number) => boolean {
    const none = (): boolean => false;
    if (/\.[cm]?jsx?$/.test(call.getSourceFile().fileName)) return none;
    const spread = (call.arguments ?? []).findIndex((a) => ts.isSpreadElement(a));
    try {
      const { checker } = this.index;
      const calleeType = checker.getTypeAtLocation(call.expression);
      const sigs = ts.isNewExpression(call) ? calleeType.getConstructSignatures() : calleeType.getCallSignatures();
      if (sigs.length === 0) return none;
      return (i) =>
        (spread < 0 || i < spread) &&
        sigs.every((sig) => {
          const param = sig.parameters[i];
          const decl = param?.valueDeclaration;
          // a missing or rest parameter: not a position read here
          if (!param || !decl || !ts.isParameter(decl) || decl.dotDotDotToken) return false;
          const t = checker.getTypeOfSymbolAtLocation(param, call);
          return t.isUnion() ? t.types.every(isPrimitive) : isPrimitive(t);
        });
    } catch {
      return none;
    }
  }

  /**
   * Reading or assigning a property runs its getter or setter: a call. One that is a data field of
   * a repository class (`Cls.mapping`, `this.url`) is a read of that field's binding.
   */
  private recordMemberAccess(from: string, access: ts.PropertyAccessExpression): void {
    const r = this.index.resolveSymbol(access);
    const accessors = r.decls.filter((d) => ts.isGetAccessorDeclaration(d) || ts.isSetAccessorDeclaration(d));
    const fields = r.decls.filter(isDataField);
    const found = accessors.length > 0 || fields.length > 0;
    this.touch(r.decls);
    // a getter or field, or a member the receiver's type lacks (it may be declared later on that
    // type, wherever the type comes from): the receiver's origins are dependencies
    if (found || r.decls.length === 0) this.touchOrigins(access.expression, 0);
    // a method read (not called) may become a getter where it is declared, or be overridden by one
    // in the receiver's class or a class between; a lacked member may be added to a class the type
    // extends: those declarations are dependencies too
    if (!found) return this.touchBaseTypes(access.expression);
    const out = new Set<string>();
    for (const d of accessors) this.index.idsForDecl(d, out, 0, this.touch);
    this.addCalls(from, out, access);
    this.recordFieldReads(from, fields, access);
  }

  private recordFieldReads(from: string, fields: ts.Declaration[], at: ts.Node): void {
    const { idKinds } = this.definitions;
    if (fields.length === 0) return;
    const reader = this.readerOf(from, at);
    if (reader === undefined) return;
    const out = new Set<string>();
    for (const d of fields) this.index.idsForDecl(d, out, 0, this.touch);
    for (const id of out) if (idKinds.get(id) === 'binding' && id !== reader) addEdge(this.reads, reader, id);
    // a field of function type with no value is a method without a body (definitions.ts), no
    // longer a binding: reading or assigning it (`const f = this.fee; f(x)`) still depends on its
    // declaration (a decorator that injects it, its type), as reading the binding did
    const bodiless = fields.filter((d) => ts.isPropertyDeclaration(d) && !d.initializer);
    if (bodiless.length === 0) return;
    const held = new Set<string>();
    for (const d of bodiless) this.index.idsForDecl(d, held, 0, this.touch);
    // and what is stored into the field elsewhere (`this.fee = (x) => …`), unless this only assigns it
    if (!isAssignedTo(at)) this.addLoads(from, fieldKeysOf(this, bodiless), at);
    // at a module's top level the binding whose initializer reads it (`const F = obj.fee`) holds it too
    this.addCalls(
      from,
      [...held].filter((id) => idKinds.get(id) === 'method' || idKinds.get(id) === 'function'),
      at,
    );
  }

  /**
   * Who reads a binding named at `at`: the function or method it is in; at a module's top level,
   * the binding whose initializer it is in (`const B = A.filter(…)`: a change to A changes B and
   * so B's readers), else nobody (a statement of the module runs once, at its import).
   */
  private readerOf(from: string, at: ts.Node): string | undefined {
    const { idKinds } = this.definitions;
    if (idKinds.get(from) !== 'module') return from;
    for (let n: ts.Node | undefined = at.parent; n && !ts.isSourceFile(n); n = n.parent) {
      if (ts.isFunctionLike(n) || ts.isClassStaticBlockDeclaration(n)) return undefined;
      const id = this.index.idInFile(this.sf, n);
      if (id !== undefined && idKinds.get(id) === 'binding') return id;
    }
    return undefined;
  }

  /**
   * Call edges from `from`, the scope of `at`. At a module's top level, inside the initializer of a
   * binding (`const FEES = buildFees()`, `static RATES = loadRates()`), they are that binding's
   * too: what its value is computed by, so a change to any of it changes the value its readers see.
   * (Calls resolved by name only stay the module's: deciding would not follow such a guess.)
   */
  private addCalls(from: string, ids: Iterable<string>, at: ts.Node): void {
    let binding: string | undefined | null = null;
    for (const id of ids) {
      if (id === from) continue;
      addEdge(this.calls, from, id);
      binding ??= this.initializedBinding(from, at);
      if (binding !== undefined && binding !== id) addEdge(this.calls, binding, id);
    }
  }

  /** Calls through a table or field (resolved when the graph is assembled), the binding's too as in addCalls. */
  private addLoads(from: string, keys: readonly string[], at: ts.Node): void {
    if (keys.length === 0) return;
    const binding = this.initializedBinding(from, at);
    for (const k of keys) {
      addEdge(this.loads, from, k);
      if (binding !== undefined) addEdge(this.loads, binding, k);
    }
  }

  /** Records the functions `value` is under the keys `keysOf` gives, asked only when it is some (most stored values are data). */
  private addStores(value: ts.Expression, keysOf: () => string[]): void {
    // a parameter stands for what the function's callers pass there (joined when the graph is assembled)
    const param = storedParameter(this, value);
    const ids = param !== undefined ? [PARAMETER + param] : storedTargets(this, value);
    if (ids.length === 0) return;
    const keys = keysOf();
    if (keys.length === 0) return;
    this.touchValueOrigins(value, 0);
    for (const k of keys) for (const id of ids) addEdge(this.stores, k, id);
  }

  /**
   * The places a table or field expression names (`svc.handlers`, `this.handle`): the receiver's
   * type decides which declaration that is, so where it came from is a dependency as for a call.
   */
  private placeKeys(e: ts.Expression, keysOf: (e: ts.Expression) => string[]): string[] {
    const keys = keysOf(e);
    if (keys.length > 0 && ts.isPropertyAccessExpression(e)) this.touchOrigins(e.expression, 0);
    return keys;
  }

  /** A stored method named through a receiver (`this.svc.run.bind(this.svc)`) depends on where the receiver's type came from. */
  private touchValueOrigins(v: ts.Expression, depth: number): void {
    v = unwrap(v);
    if (depth > 4) return;
    if (ts.isPropertyAccessExpression(v)) this.touchOrigins(v.expression, 0);
    else if (ts.isCallExpression(v)) this.touchOrigins(v, 0);
    else if (ts.isConditionalExpression(v)) {
      this.touchValueOrigins(v.whenTrue, depth + 1);
      this.touchValueOrigins(v.whenFalse, depth + 1);
    } else if (ts.isBinaryExpression(v)) {
      this.touchValueOrigins(v.left, depth + 1);
      this.touchValueOrigins(v.right, depth + 1);
    }
  }

  /**
   * An assignment that may store a function: into a field (`this.handle = (x) => …`, `svc.handle =
   * fee`), else into a table (`handlers[kind] = fee`, `handlers.card = fee` on a Record).
   */
  private recordAssignment(node: ts.BinaryExpression): void {
    const k = node.operatorToken.kind;
    if (k !== ts.SyntaxKind.EqualsToken && k !== ts.SyntaxKind.QuestionQuestionEqualsToken && k !== ts.SyntaxKind.BarBarEqualsToken) return;
    const left = unwrap(node.left);
    if (ts.isPropertyAccessExpression(left)) {
      // `this.fee = fn` with `fn` a parameter: by syntax when the class declares the field
      const store = fieldParameterStore(this, left, node.right);
      if (store) addEdge(this.stores, store[0], PARAMETER + store[1]);
      if (store !== undefined) return;
    }
    // an array built of functions (`this.steps = [...base, f]`, `all = base.concat(f)`): its contents are the table's
    if (!ts.isIdentifier(unwrap(node.right)) && mayBuildList(this, node.right)) {
      const table = ts.isElementAccessExpression(left) ? undefined : left;
      if (table) {
        const contents = [...listContents(this, node.right)];
        // `this.items = this.items.filter(p)` holds nothing the table did not
        if (contents.length > 0)
          for (const k of this.placeKeys(table, (e) => tableKeys(this, e))) for (const v of contents) if (v !== HELD + k) addEdge(this.stores, k, v);
      }
      return;
    }
    const held = mayHoldFunction(this, node.right);
    // a parameter is followed into a table (`handlers[k] = fn`) and, above, into a field the class
    // declares; into another field (`this.x = x` of a base class's field) the checker would be asked
    // of every field so assigned
    if (!held && !(ts.isElementAccessExpression(left) && mayBeParameter(node.right))) return;
    if (ts.isPropertyAccessExpression(left)) {
      const field = left;
      this.addStores(node.right, () => {
        const keys = this.placeKeys(field, (e) => fieldKeys(this, e as ts.PropertyAccessExpression));
        return keys.length > 0 ? keys : this.placeKeys(field.expression, (e) => tableKeys(this, e));
      });
    } else if (ts.isElementAccessExpression(left)) {
      const table = left.expression;
      this.addStores(node.right, () => this.placeKeys(table, (e) => tableKeys(this, e)));
    }
  }

  /** The binding whose initializer holds `at`, when `from` (its scope) is a module; else undefined. */
  private initializedBinding(from: string, at: ts.Node): string | undefined {
    return this.definitions.idKinds.get(from) === 'module' ? this.readerOf(from, at) : undefined;
  }

  private readonly visit = (node: ts.Node): void => {
    if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) return this.visitCall(node);
    if (ts.isJsxOpeningElement(node) || ts.isJsxSelfClosingElement(node)) {
      if (this.visitJsxElement(node)) return;
    } else if (ts.isIdentifier(node)) return this.visitIdentifier(node);
    else if (ts.isPrivateIdentifier(node)) {
      const p = node.parent;
      if (p && ts.isPropertyAccessExpression(p) && p.name === node && this.definitions.knownNames.has(node.text))
        this.recordMemberAccess(this.scopeOf(node), p);
      return;
    } else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
      return this.visitLiteralElementAccess(node, node.argumentExpression);
    } else if (ts.isArrowFunction(node) || ts.isFunctionExpression(node) || (ts.isMethodDeclaration(node) && ts.isObjectLiteralExpression(node.parent)))
      this.visitAnonymousFunction(node);
    else if (ts.isBinaryExpression(node)) this.recordAssignment(node);
    else if (ts.isPropertyDeclaration(node) && node.initializer && mayHoldFunction(this, node.initializer) && !isFunctionLike(node.initializer)) {
      // `handle: Fn = makeHandler()`, `handle = fee`: what the field holds from the start
      this.addStores(node.initializer, () => [declaredFieldKey(this, node)]);
    } else if (ts.isConstructorDeclaration(node) && node.body && node.parameters.length > 0) this.recordParameterProperties(node);
    else if (ts.isForOfStatement(node) && ts.isVariableDeclarationList(node.initializer)) {
      for (const d of node.initializer.declarations) for (const n of bindingNames(d.name)) this.elementNames.add(n.text);
    } else if (ts.isVariableDeclaration(node)) this.noteDeclaredName(node);
    else if (ts.isParameter(node) && node.type && ts.isIdentifier(node.name) && mayBeFunctionList(node.type)) this.listNames.add(node.name.text);
    node.forEachChild(this.visit);
  };

  /** A variable that is a table's element (`const r = rules.find(p)`, `const [first] = rules`) or an array of functions, by its syntax. */
  private noteDeclaredName(d: ts.VariableDeclaration): void {
    if (!d.initializer) return;
    if (ts.isArrayBindingPattern(d.name) || indexedTable(d.initializer)) for (const n of bindingNames(d.name)) this.elementNames.add(n.text);
    else if (ts.isIdentifier(d.name) && isListDeclaration(d)) this.listNames.add(d.name.text);
  }

  /**
   * An anonymous function (`<arrowN>`, `<functionN>`, `<methodN>`) counts as called where it is
   * written: it is passed to a callee (which may invoke it), stored, returned or invoked on the
   * spot, and recall comes first.
   */
  private visitAnonymousFunction(node: ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration): void {
    const id = this.index.idInFile(this.sf, node);
    if (id !== undefined && ANONYMOUS_FUNCTION.test(id)) this.addCalls(this.scopeOf(node), [id], node);
  }

  private visitCall(node: ts.CallExpression | ts.NewExpression): void {
    const callee = node.expression;
    const from = this.scopeOf(node);
    this.recordNamedCall(node, callee, from);
    // a handler table indexed by a computed key (`HANDLERS[kind](x)`, `handlers.get(k)!(x)`): every
    // handler it holds, from its initializer and stored into it anywhere (`handlers.set(k, f)`)
    // what a bare callee names, asked of the checker once for the table and factory lookups
    // (`first!(x)` and `(first)(x)` call what `first` holds)
    const bare = unwrap(callee);
    const calleeDecls = ts.isIdentifier(bare) ? calleeDeclarations(this, bare) : undefined;
    const table = calledTable(callee, calleeDecls, this.touch);
    if (table) {
      // what the table's initializer holds, with the arrays it copies, and what is stored into it or into them
      const contents = listContents(this, table);
      this.addCalls(from, functionsOf(contents), node);
      this.addLoads(
        from,
        this.placeKeys(table, () => loadKeysOf(contents)),
        node,
      );
    }
    if (ts.isPropertyAccessExpression(bare)) this.recordElementMemberCall(node, bare, from);
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(callee) && ELEMENT_PARAMETER.has(callee.name.text)) this.recordElementCallback(node, callee);
    // `handlers.set(k, f)` on a standard Map: `f` is stored into the table `handlers` names
    const stored = ts.isCallExpression(node) && node.arguments.length === 2 ? node.arguments[1]! : undefined;
    if (
      stored &&
      ts.isPropertyAccessExpression(callee) &&
      (mayHoldFunction(this, stored) || mayBeParameter(stored)) &&
      isMapSet(this, node as ts.CallExpression)
    ) {
      const receiver = callee.expression;
      this.addStores(stored, () => this.placeKeys(receiver, (e) => tableKeys(this, e)));
    } else if (ts.isCallExpression(node) && mayAddToCollection(callee)) this.recordCollectionAdd(node, callee);
    // `super(…)` runs the base class's constructor
    if (callee.kind === ts.SyntaxKind.SuperKeyword && ts.isCallExpression(node)) this.recordSuperCall(node, from);
    if (this.definitions.knownNames.size > 0) {
      // a function value made by a factory (`const s = makeScaler(); s(2)`): what the factory returns
      if (calleeDecls) this.addCalls(from, factoryTargets(this, calleeDecls), node);
      // a call of what a call returns (`make()()`): what that callee returns
      else if (ts.isCallExpression(bare) || ts.isAwaitExpression(bare)) this.addCalls(from, callResultTargets(this, [bare]), node);
    }
    const handled = this.recordCallbacks(node, callee, from);
    if (ts.isPropertyAccessExpression(callee)) this.visit(callee.expression);
    else if (!ts.isIdentifier(callee)) this.visit(callee);
    for (const a of node.arguments ?? []) {
      if (!handled.has(a)) this.visit(a);
      else if (ts.isPropertyAccessExpression(a)) this.visit(a.expression);
    }
  }

  /**
   * `steps.push(f, …)`, `steps.unshift(f, …)`, `fns.add(f)` on a standard Array or Set: each
   * argument that may be a function is stored into the table the receiver names. The checker is
   * asked only when some argument may, by its syntax (most pushed values are data).
   */
  private recordCollectionAdd(node: ts.CallExpression, callee: ts.PropertyAccessExpression): void {
    const values = node.arguments.filter((a) => !ts.isSpreadElement(a) && (mayHoldFunction(this, a) || mayBeParameter(a)));
    // `rules.push({ kind: 'card', run: chargeCard })`: each property that may hold a function is stored under the table's member
    const members = node.arguments.flatMap((a) => heldProperties(this, a));
    if ((values.length === 0 && members.length === 0) || !isCollectionAdd(this, callee)) return;
    const receiver = callee.expression;
    let keys: string[] | undefined;
    const keysOf = (): string[] => (keys ??= this.placeKeys(receiver, (e) => tableKeys(this, e)));
    for (const v of values) this.addStores(v, keysOf);
    for (const [name, v] of members) {
      if (!ts.isMethodDeclaration(v)) this.addStores(v, () => memberKeys(keysOf(), name));
      else {
        // a method written in the pushed object (`rules.push({ run(x) { … } })`) is the function `run` holds
        const id = this.index.declToId.get(v);
        if (id !== undefined) for (const k of memberKeys(keysOf(), name)) addEdge(this.stores, k, id);
      }
    }
  }

  /**
   * A constructor's parameter properties of a type that may be a function (`constructor(private
   * readonly fee: Fee)`): the field holds what callers pass there (joined with `passes` when the
   * graph is assembled). Syntax only: no checker call.
   */
  private recordParameterProperties(ctor: ts.ConstructorDeclaration): void {
    for (const p of ctor.parameters) {
      const store = parameterPropertyStore(this, ctor, p);
      if (store) addEdge(this.stores, store[0], PARAMETER + store[1]);
    }
  }

  /** A call through a name (`f()`, `obj.m()`, `obj.#m()`): resolved when some repository definition carries the name. */
  private recordNamedCall(node: ts.CallExpression | ts.NewExpression, callee: ts.Expression, from: string): void {
    // `obj.m!(x)`, `(obj.m)(x)` and `(obj.m as Fn)(x)` call `obj.m` as `obj.m(x)` does (an optional method, a field of function type)
    callee = unwrap(callee);
    const target = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
    if (!ts.isIdentifier(target) && !ts.isPrivateIdentifier(target)) return;
    if (this.definitions.knownNames.has(target.text)) this.recordReference(from, ts.isPropertyAccessExpression(callee) ? callee : target, true, argCount(node));
    else this.unknown.add(target.text);
  }

  private recordSuperCall(node: ts.CallExpression, from: string): void {
    try {
      const decl = this.index.checker.getResolvedSignature(node)?.declaration;
      if (decl && !ts.isJSDocSignature(decl)) {
        this.touch([decl]);
        const out = new Set<string>();
        this.index.idsForDecl(decl, out, 0, this.touch);
        this.addCalls(from, out, node);
        // what `super(f)` passes is passed to the base constructor, which may store it in a field
        const ctor = [...out].filter((id) => id.endsWith('.constructor'));
        if (ctor.length > 0) this.recordSuperPasses(node, ctor);
      }
    } catch {
      // an unresolvable base class only means no edge
    }
  }

  /**
   * `super(f)`, `super([f, g])`, `super(fn)`: the base constructor's parameters hold what they are
   * given, a subclass constructor's own parameter standing for what its callers pass (super calls
   * are few: the checker is asked of each argument that may, by its syntax, be a function).
   */
  private recordSuperPasses(node: ts.CallExpression, ctors: string[]): void {
    node.arguments.every((a, i) => {
      if (ts.isSpreadElement(a)) return false;
      const values: string[] = [];
      if (mayHoldFunction(this, a)) values.push(...storedTargets(this, a));
      else if (mayBeParameter(a)) {
        const p = storedParameter(this, a);
        if (p !== undefined) values.push(PARAMETER + p);
      }
      const elements = mayBuildList(this, a) || this.isListName(a) ? listContents(this, a, !ts.isArrayLiteralExpression(unwrap(a))) : [];
      for (const f of ctors) {
        for (const v of values) addEdge(this.passes, `${f}#${i}`, v);
        for (const v of elements) addEdge(this.passes, `${f}#${i}${ELEMENTS}`, v);
      }
      return true;
    });
  }

  /** Whether an argument names an array of functions by its syntax: a name this file declares so, or a known one (a module's constant, a field). */
  private isListName(a: ts.Expression): boolean {
    a = unwrap(a);
    const name = ts.isIdentifier(a) ? a.text : ts.isPropertyAccessExpression(a) ? a.name.text : undefined;
    return name !== undefined && (this.listNames.has(name) || this.definitions.knownNames.has(name));
  }

  /**
   * `r.run(x)` where `r` is an element of a table (`for (const r of rules)`, `rules.find(p)!.run(x)`,
   * `RULES[k].run(x)`): the functions the table's objects hold under `run`. The checker is asked
   * of the receiver only when the syntax says it is an element.
   */
  private recordElementMemberCall(node: ts.CallExpression | ts.NewExpression, callee: ts.PropertyAccessExpression, from: string): void {
    if (!this.definitions.knownNames.has(callee.name.text)) return;
    const receiver = unwrap(callee.expression);
    let table = indexedTable(receiver);
    if (!table && ts.isIdentifier(receiver) && this.elementNames.has(receiver.text))
      table = calledTable(receiver, calleeDeclarations(this, receiver), this.touch);
    const keyed = table ? undefined : this.keyedElement(receiver);
    if (keyed) table = keyed.table;
    if (!table || !(ts.isIdentifier(table) || ts.isPropertyAccessExpression(table))) return;
    const member = callee.name.text;
    this.addCalls(from, memberTargets(this, table, member, 0, keyed?.key), node);
    // and what objects pushed into the table anywhere hold there
    this.addLoads(
      from,
      this.placeKeys(table, (e) => memberKeys(tableKeys(this, e), member)),
      node,
    );
  }

  /**
   * `TABLE['card'].run(x)`, `TABLE.card.run(x)` on a module's table whose type declares no `card`
   * (a record with an index signature, `Record<string, Rule>`): an element of the table, under
   * that key, also when `card` is the name of a definition too. By syntax first (the table a name
   * of the repository's, the key a name or a string literal), then one checker call: a declared
   * property is the checker's to resolve.
   */
  private keyedElement(receiver: ts.Expression): { table: ts.Identifier; key: string } | undefined {
    let keyNode: ts.StringLiteralLike | ts.Identifier;
    if (ts.isElementAccessExpression(receiver) && ts.isStringLiteralLike(receiver.argumentExpression)) keyNode = receiver.argumentExpression;
    else if (ts.isPropertyAccessExpression(receiver) && ts.isIdentifier(receiver.name)) keyNode = receiver.name;
    else return undefined;
    const table = unwrap(receiver.expression);
    if (!ts.isIdentifier(table) || !this.definitions.knownNames.has(table.text)) return undefined;
    const { decls } = this.index.resolveSymbol(keyNode);
    this.touch(decls);
    return decls.length === 0 ? { table, key: keyNode.text } : undefined;
  }

  /**
   * `steps.forEach(apply)`, `steps.map(this.wrap)`: the callback is given each element, so when it
   * calls that parameter it calls every function the array holds (the edge is the callback's, as for
   * a callback passed to a repository function). That `apply` is called at all is the callback edge
   * recordCallbacks makes.
   */
  private recordElementCallback(node: ts.CallExpression, callee: ts.PropertyAccessExpression): void {
    const at = ELEMENT_PARAMETER.get(callee.name.text)!;
    const cb = node.arguments[0];
    if (!cb) return;
    if (isFunctionLike(cb)) {
      // its element parameter names an element (`rules.forEach((r) => r.run(x))`)
      const p = cb.parameters[at];
      if (p) for (const n of bindingNames(p.name)) this.elementNames.add(n.text);
      return;
    }
    if (!(ts.isIdentifier(cb) || ts.isPropertyAccessExpression(cb))) return;
    if (!this.definitions.knownNames.has(ts.isIdentifier(cb) ? cb.text : cb.name.text)) return;
    const table = contentsOf(callee.expression);
    if (!table) return;
    const invokers = invokingFunctions(this, cb, at);
    if (invokers.length === 0) return;
    const contents = listContents(this, table);
    const keys = this.placeKeys(table, () => loadKeysOf(contents));
    for (const id of invokers) {
      this.addCalls(id, functionsOf(contents), node);
      this.addLoads(id, keys, node);
    }
  }

  /**
   * Callbacks: a repository function passed as an argument is called by the callee when the
   * callee invokes that parameter (the edge is the callee's, as PyCG attributes it); else it
   * counts as called where it is passed (an external callee, or one that stores it). Returns the
   * arguments so recorded.
   */
  private recordCallbacks(node: ts.CallExpression | ts.NewExpression, callee: ts.Expression, from: string): Set<ts.Node> {
    const invokers = callbackInvokers(this, node, callee);
    const handled = new Set<ts.Node>();
    // asked of the checker once per call, and only when an argument could be a callback
    let primitiveAt: ((i: number) => boolean) | undefined;
    let calleeIds: string[] | undefined;
    const passedTo = (): string[] => (calleeIds ??= calleeFunctionIds(this, callee));
    (node.arguments ?? []).forEach((a, i) => {
      // a function written in place may be stored by the callee too (`register('card', (x) => fee(x))`)
      if (isFunctionLike(a)) this.recordPass(node, i, a, passedTo);
      const name = ts.isPropertyAccessExpression(a) ? a.name.text : ts.isIdentifier(a) ? a.text : undefined;
      // an array built in place (`new Pipeline([fee, tax])`, `run([...base, f])`): its elements
      if (name === undefined) {
        if (!isFunctionLike(a) && mayBuildList(this, a)) this.recordPass(node, i, a, passedTo);
        return;
      }
      if (!this.definitions.knownNames.has(name)) {
        if (ts.isPropertyAccessExpression(a)) this.unknown.add(name);
        // a local array of functions (`const steps = [fee, tax]; run(steps)`)
        else if (this.listNames.has(name)) this.recordPass(node, i, a, passedTo);
        return;
      }
      // a parameter every signature of the callee types as a string, number or other primitive is given no function
      if ((primitiveAt ??= this.primitiveArguments(node))(i)) return;
      this.recordPass(node, i, a, passedTo);
      const by = invokers.filter((x) => x.params.has(i) || (x.rest >= 0 && i >= x.rest));
      if (by.length > 0) {
        for (const x of by) this.recordReference(x.id, a, false, -1, true);
        handled.add(a);
      } else if (ts.isPropertyAccessExpression(a)) this.recordReference(from, a, false);
    });
    return handled;
  }

  /**
   * A repository function passed as argument `i` to a repository function: recorded for a store of
   * that parameter into a table (`register(k, fn) { this.handlers.set(k, fn) }`), which then holds it.
   */
  private recordPass(node: ts.CallExpression | ts.NewExpression, i: number, a: ts.Expression, callees: () => string[]): void {
    if (node.arguments?.slice(0, i).some((x) => ts.isSpreadElement(x))) return;
    if (!this.mayBeRepositoryCallee(node.expression)) return;
    const u = unwrap(a);
    const named = ts.isIdentifier(u) || ts.isPropertyAccessExpression(u);
    // a name's declarations, for the function it may be (listContents looks the array up itself)
    const decls = named ? this.index.resolveSymbol(u).decls : undefined;
    const ids = decls ? storedTargetsOf(this, decls) : isFunctionLike(a) ? storedTargets(this, a) : [];
    // an array of functions passed (`new Pipeline([fee, tax])`, `run(STEPS)`), for a parameter the
    // callee iterates or stores: a name only when its declaration is an array's
    const elements = isFunctionLike(a) || (decls && !decls.some(isListDeclaration)) ? [] : [...listContents(this, a)];
    if (ids.length === 0 && elements.length === 0) return;
    for (const f of callees()) {
      for (const id of ids) addEdge(this.passes, `${f}#${i}`, id);
      for (const v of elements) addEdge(this.passes, `${f}#${i}${ELEMENTS}`, v);
    }
  }

  /**
   * Whether the repository may define what a call's callee names, by its name: only then is the
   * checker asked (`xs.map((x) => …)` is not); a definition of that name added later makes this
   * entry stale.
   */
  private mayBeRepositoryCallee(callee: ts.Expression): boolean {
    const name = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
    if (!ts.isIdentifier(name)) return false;
    if (this.definitions.knownNames.has(name.text)) return true;
    this.unknown.add(name.text);
    return false;
  }

  /** Rendering <Component /> calls the component; false when the tag names no repository definition (its children are then visited). */
  private visitJsxElement(node: ts.JsxOpeningElement | ts.JsxSelfClosingElement): boolean {
    const tag = jsxName(node.tagName);
    if (this.definitions.knownNames.has(tag)) {
      this.recordReference(this.scopeOf(node), node.tagName, true);
      for (const a of node.attributes.properties) this.visit(a);
      return true;
    }
    // lower-case tags are HTML elements, never components
    if (/^[A-Z_$]/.test(tag)) this.unknown.add(tag);
    return false;
  }

  private visitIdentifier(node: ts.Identifier): void {
    const p = node.parent;
    const isMemberName = p && ts.isPropertyAccessExpression(p) && p.name === node;
    // most identifiers name nothing of the repository's: nothing more to ask of them
    if (!this.definitions.knownNames.has(node.text)) {
      // a getter of that name defined later must make this entry stale
      if (isMemberName) this.unknown.add(node.text);
      return;
    }
    const isDeclName =
      p &&
      (ts.isVariableDeclaration(p) ||
        ts.isFunctionDeclaration(p) ||
        ts.isClassDeclaration(p) ||
        ts.isParameter(p) ||
        ts.isPropertyAssignment(p) ||
        ts.isMethodDeclaration(p) ||
        ts.isPropertyDeclaration(p) ||
        ts.isImportSpecifier(p) ||
        ts.isImportClause(p) ||
        ts.isNamespaceImport(p) ||
        ts.isBindingElement(p)) &&
      (p as ts.NamedDeclaration).name === node;
    if (!isDeclName && !isMemberName && !(p && (ts.isImportSpecifier(p) || ts.isExportSpecifier(p)))) {
      this.recordReference(this.scopeOf(node), node, false);
    } else if (isMemberName) {
      // reading or assigning a property runs its getter or setter (a call), or reads a data field
      this.recordMemberAccess(this.scopeOf(node), p);
    } else if (ts.isBindingElement(p) && !p.propertyName && !p.dotDotDotToken && ts.isObjectBindingPattern(p.parent)) {
      this.recordDestructuredGetter(p, node);
    }
  }

  /**
   * `const { total } = invoice` reads `invoice.total`: its getter runs. (With a property name,
   * `{ total: t }`, the name resolves to the property like any reference.)
   */
  private recordDestructuredGetter(el: ts.BindingElement, name: ts.Identifier): void {
    // the pattern's type is asked of the checker only when a repository method has that name (most
    // destructured names are data); a getter of that name added later makes this file's edges stale
    if (!this.definitions.byShortName.has(name.text)) {
      this.pending.add(name.text);
      return;
    }
    let decls: readonly ts.Declaration[];
    try {
      decls = this.index.checker.getTypeAtLocation(el.parent).getProperty(name.text)?.declarations ?? [];
    } catch {
      return;
    }
    const accessors = decls.filter((d) => ts.isGetAccessorDeclaration(d));
    if (accessors.length === 0) return;
    this.touch(accessors);
    this.touchPatternOrigins(el);
    const out = new Set<string>();
    for (const d of accessors) this.index.idsForDecl(d, out, 0, this.touch);
    this.addCalls(this.scopeOf(el), out, el);
  }

  /**
   * A destructuring pattern has the type of what it destructures: where that came from is a
   * dependency, as a member access's receiver is (the initializer, the iterated expression of
   * `for (const { total } of xs)`, a parameter's annotation, or the call a callback is passed to).
   */
  private touchPatternOrigins(el: ts.BindingElement): void {
    let root: ts.Node = el.parent.parent;
    while (ts.isBindingElement(root)) root = root.parent.parent;
    if (ts.isVariableDeclaration(root)) {
      const loop = root.parent.parent;
      if (root.initializer) this.touchOrigins(root.initializer, 0);
      else if (ts.isForOfStatement(loop)) this.touchOrigins(loop.expression, 0);
    } else if (ts.isParameter(root)) {
      if (root.type) this.touchTypeNames(root.type);
      if (root.initializer) this.touchOrigins(root.initializer, 0);
      const call = root.parent.parent;
      if (!root.type && (ts.isCallExpression(call) || ts.isNewExpression(call))) this.touchOrigins(call, 0);
    }
  }

  /** `obj['name']` and `obj['name']()` resolve like `obj.name`. */
  private visitLiteralElementAccess(node: ts.ElementAccessExpression, keyNode: ts.StringLiteralLike): void {
    const key = keyNode.text;
    const isCall = ts.isCallExpression(node.parent) && node.parent.expression === node;
    if (!this.definitions.knownNames.has(key)) {
      this.unknown.add(key);
      this.visit(node.expression);
      return;
    }
    const from = this.scopeOf(node);
    const r = this.index.resolveSymbol(keyNode);
    this.touch(r.decls);
    this.touchOrigins(node.expression, 0);
    const out = new Set<string>();
    for (const d of r.decls) if (isCall || ts.isGetAccessorDeclaration(d) || ts.isSetAccessorDeclaration(d)) this.index.idsForDecl(d, out, 0, this.touch);
    this.addCalls(from, out, node);
    this.recordFieldReads(from, r.decls.filter(isDataField), node);
    // as for obj.name(): a receiver the checker cannot type reaches every function of that name
    if (isCall && !r.known && out.size === 0) {
      if (this.definitions.byShortName.has(key)) addEdge(this.byName, from, `${key}/${argCount(node.parent)}`);
      else this.pending.add(key);
    }
    this.visit(node.expression);
  }
}

/** A string, number, boolean or bigint type (literals included), null or undefined: no function. */
function isPrimitive(t: ts.Type): boolean {
  return (
    (t.flags &
      (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.Undefined | ts.TypeFlags.Null)) !==
    0
  );
}

/** A data field of a class: a property declaration, or a constructor's parameter property. */
function isDataField(d: ts.Declaration): boolean {
  return ts.isPropertyDeclaration(d) || (ts.isParameter(d) && ts.isConstructorDeclaration(d.parent) && ts.isParameterPropertyDeclaration(d, d.parent));
}

/** Whether `expr` is an argument of a call or `new` (a callback the callee may run). */
function isArgument(expr: ts.Node): boolean {
  const p = expr.parent;
  return !!p && (ts.isCallExpression(p) || ts.isNewExpression(p)) && (p.arguments ?? []).some((a) => a === expr);
}

/** Whether `e` is the target of a plain assignment (`this.fee = fn`): written, not read. */
function isAssignedTo(e: ts.Node): boolean {
  const p = e.parent;
  return !!p && ts.isBinaryExpression(p) && p.left === e && p.operatorToken.kind === ts.SyntaxKind.EqualsToken;
}

/** The properties of an object literal that may hold a function, by their syntax, with their values (`{ kind: 'card', run: chargeCard }` → `run`). */
function heldProperties(ctx: CallTargetContext, a: ts.Expression): [string, ts.Expression | ts.MethodDeclaration][] {
  const o = unwrap(a);
  if (!ts.isObjectLiteralExpression(o)) return [];
  const out: [string, ts.Expression | ts.MethodDeclaration][] = [];
  for (const p of o.properties) {
    if (ts.isShorthandPropertyAssignment(p) && (mayHoldFunction(ctx, p.name) || mayBeParameter(p.name))) out.push([p.name.text, p.name]);
    else if (ts.isMethodDeclaration(p) && p.body && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) out.push([p.name.text, p]);
    else if (
      ts.isPropertyAssignment(p) &&
      (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
      (mayHoldFunction(ctx, p.initializer) || mayBeParameter(p.initializer))
    )
      out.push([p.name.text, p.initializer]);
  }
  return out;
}
