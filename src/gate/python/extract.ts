import type { Node } from 'web-tree-sitter';
import type { FileFacts, FlowExpr, ImportFacts, ScopeFacts } from '../facts.js';
import { moduleNameFor } from '../facts.js';
import { withSyntaxTree } from '../treesitter.js';

/** Dotted chain of a callee/reference expression, or null when it is not a plain name chain. */
function chainOf(node: Node): string | null {
  switch (node.type) {
    case 'identifier':
      return node.text;
    case 'attribute': {
      const obj = node.childForFieldName('object');
      const attr = node.childForFieldName('attribute');
      if (!obj || !attr) return null;
      const left = chainOf(obj);
      return left === null ? `?.${attr.text}` : `${left}.${attr.text}`;
    }
    case 'call': {
      // `super().m`, and `Cls().m` (a method on a fresh instance): the resolver types the call
      const fn = node.childForFieldName('function');
      if (!fn) return null;
      if (fn.type === 'identifier' && fn.text === 'super') return 'super()';
      const c = chainOf(fn);
      return c === null || c.startsWith('?') || c.includes('()') ? null : `${c}()`;
    }
    default:
      return null;
  }
}

/** Resolves `from ..x import y` inside module `pkg.sub.mod` (file is a package when it is `__init__`). */
export function absoluteModule(current: string, isPackage: boolean, relative: string): string {
  const m = /^(\.*)(.*)$/.exec(relative)!;
  const dots = m[1]!.length;
  const rest = m[2]!;
  if (dots === 0) return rest;
  const parts = current.length > 0 ? current.split('.') : [];
  const pkg = isPackage ? parts : parts.slice(0, -1);
  const base = pkg.slice(0, Math.max(0, pkg.length - (dots - 1)));
  return [...base, ...(rest ? rest.split('.') : [])].join('.');
}

export async function extractPython(file: string, text: string): Promise<FileFacts> {
  return withSyntaxTree('python', text, (root) => {
    const module = moduleNameFor(file, 'python');
    const isPackage = /(^|\/)__init__\.py$/.test(file);
    const lineCount = text.split('\n').length;
    const moduleScope: ScopeFacts = { name: '', kind: 'module', start: 1, end: lineCount, calls: [], refs: [] };
    const facts: FileFacts = { language: 'python', module, lineCount, scopes: [moduleScope], classes: [], imports: [], bindings: [] };
    const scopeStack: { scope: ScopeFacts; isClass: boolean }[] = [{ scope: moduleScope, isClass: false }];
    // lambdas are named `<lambdaN>` in source order within their enclosing scope (PyCG's naming)
    const lambdaNames = new Map<number, string>();
    const lambdaCounts = new Map<string, number>();
    // a builtin container's name the file binds itself (defined, assigned, imported, a parameter)
    const shadowed = new Set<string>();
    if (/\b(?:list|set|dict|frozenset|tuple)\b/.test(text))
      for (const n of root.descendantsOfType('identifier')) if (n && BUILTIN_CONTAINERS.has(n.text) && bindsName(n)) shadowed.add(n.text);
    const collections = /\bcollections\b/.test(text) ? collectionsNames(root) : NO_COLLECTIONS;

    const addImport = (imp: ImportFacts, atModule: boolean, start: number, end: number): void => {
      facts.imports.push(imp);
      if (atModule && imp.local !== '*') facts.bindings.push({ name: imp.local, start, end });
    };
    const flow = (scope: ScopeFacts, target: string, value: FlowExpr): void => {
      if (value === null) return;
      (scope.flows ??= []).push([target, value]);
    };
    const site = (scope: ScopeFacts, s: FlowExpr): void => {
      (scope.sites ??= []).push(s);
    };
    /**
     * The value nodes of module-level and class-level assignments → the bindings they set; while
     * one is visited, `initializer` numbers it (0 outside every such value).
     */
    const initializerNames = new Map<number, { names: string[]; bound?: number }>();
    let initializer = 0;
    let initializerCount = 0;
    // implicit calls (attribute accessors, dunders) are flow-insensitive: one site per scope and
    // expression, and per binding's value (each binding's sites must hold all its value runs)
    const implicitSeen = new Map<ScopeFacts, Set<string>>();
    const implicit = (scope: ScopeFacts, s: Extract<FlowExpr, unknown[]>): void => {
      let seen = implicitSeen.get(scope);
      if (!seen) implicitSeen.set(scope, (seen = new Set()));
      const key = `${initializer}:${JSON.stringify(s)}`;
      if (seen.has(key)) return;
      seen.add(key);
      site(scope, s);
    };
    /** How an attribute or subscript node is used when it is not simply read: assigned (with the value), augmented, deleted. */
    const targetUse = new Map<number, ['set', FlowExpr] | ['aug', FlowExpr] | ['del']>();
    const markTargets = (left: Node | null, use: ['set', FlowExpr] | ['aug', FlowExpr] | ['del']): void => {
      if (!left) return;
      if (left.type === 'attribute' || left.type === 'subscript') targetUse.set(left.id, use);
      // an unpacked element's value is not known here; the accessor still runs
      else if (UNPACKING_TARGETS.has(left.type) || left.type === 'parenthesized_expression')
        for (const c of unpackedElements(left)) markTargets(c, use[0] === 'del' ? use : [use[0], null]);
    };
    /**
     * An attribute's accessor sites: `['g', attr]` reading it (a property's getter may run),
     * `['set', attr, value]` assigning it, `['del', attr]` deleting it. The attributes of its object
     * chain are read too (`a.b.c` reads `a.b`).
     */
    const attributeSites = (scope: ScopeFacts, node: Node, use: ['set', FlowExpr] | ['aug', FlowExpr] | ['del'] | undefined): void => {
      const e = expr(node);
      if (e !== null) {
        if (!use || use[0] === 'aug') implicit(scope, ['g', e]);
        if (use && use[0] !== 'del') implicit(scope, ['set', e, use[1]]);
        else if (use) implicit(scope, ['del', e]);
      }
      objectChainReads(scope, node);
    };
    /** Testing a value's truth runs its __bool__, else its __len__ (both sides of `and`/`or` in a condition). */
    const truth = (scope: ScopeFacts, node: Node | null): void => {
      if (!node) return;
      switch (node.type) {
        case 'parenthesized_expression':
          truth(scope, node.namedChildren.find((c) => c && c.type !== 'comment') ?? null);
          return;
        case 'boolean_operator':
          truth(scope, node.childForFieldName('left'));
          truth(scope, node.childForFieldName('right'));
          return;
        // a comparison and `not` give a bool (a comparison's own dunders are sites of their own)
        case 'not_operator':
        case 'comparison_operator':
          return;
        default: {
          const e = expr(node);
          if (e !== null) implicit(scope, ['o', '__bool__|__len__', '', e, []]);
        }
      }
    };
    /** `a < b != c` compares each neighbouring pair: a.__lt__(b), else b.__gt__(a); `x in c` runs c.__contains__(x) (else iterates c). */
    const comparisonSites = (scope: ScopeFacts, node: Node): void => {
      const operands = node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
      const operators = node.childrenForFieldName('operators');
      for (let i = 0; i + 1 < operands.length && i < operators.length; i++) {
        const op = operators[i]?.type ?? '';
        const left = expr(operands[i]!, true);
        const right = expr(operands[i + 1]!, true);
        if (op === 'in' || op === 'not in') {
          if (right !== null) implicit(scope, ['o', '__contains__|__iter__|__getitem__', '', right, [left]]);
          continue;
        }
        const d = COMPARISON_DUNDERS[op];
        if (d && (left !== null || right !== null)) implicit(scope, ['o', d[0], d[1], left, [right]]);
      }
    };
    const objectChainReads = (scope: ScopeFacts, attr: Node): void => {
      for (let obj = attr.childForFieldName('object'); obj?.type === 'attribute'; obj = obj.childForFieldName('object')) {
        const e = expr(obj);
        if (e !== null) implicit(scope, ['g', e]);
      }
    };
    const lambdaName = (node: Node): string => {
      let n = lambdaNames.get(node.id);
      if (n) return n;
      const parent = scopeStack[scopeStack.length - 1]!.scope.name;
      const count = (lambdaCounts.get(parent) ?? 0) + 1;
      lambdaCounts.set(parent, count);
      n = parent ? `${parent}.<lambda${count}>` : `<lambda${count}>`;
      lambdaNames.set(node.id, n);
      return n;
    };

    /**
     * The flow value of an expression (see FlowExpr); never visits, only reads. Memoised by node:
     * a nested call is read again as part of each enclosing call. String literals count only where
     * a name can come from one (call arguments, assigned values): `getattr(x, "m")`.
     */
    /**
     * A container literal's identity within the file (the flow analysis keeps its elements under
     * it): numbered in the order first read, not by position, so lines added above it leave the
     * file's facts, and with them its resolution (see resolution-reuse.ts), as they were.
     */
    const literalIds = new Map<number, string>();
    const literalId = (node: Node): string => {
      let id = literalIds.get(node.id);
      if (id === undefined) literalIds.set(node.id, (id = `#${literalIds.size + 1}`));
      return id;
    };
    const exprMemo = new Map<number, FlowExpr>();
    const expr = (node: Node | null, literal = false): FlowExpr => {
      if (!node) return null;
      if (node.type === 'string') return literal ? stringValue(node) : null;
      let v = exprMemo.get(node.id);
      if (v === undefined) exprMemo.set(node.id, (v = exprOf(node)));
      return v;
    };
    /**
     * `CHECKS = set()`, `list(xs)`, `dict()` assigned: a container, as a literal is one (so a later
     * `CHECKS.add(f)` holds f), with the elements of its one argument. The name must be the
     * builtin's (not one the file binds: its own `list` is called as written).
     */
    const builtinContainer = (node: Node): FlowExpr => {
      if (node.type !== 'call') return null;
      const fn = node.childForFieldName('function');
      const kind =
        fn?.type === 'identifier'
          ? BUILTIN_CONTAINERS.has(fn.text) && !shadowed.has(fn.text)
            ? fn.text
            : collections.names.get(fn.text)
          : fn?.type === 'attribute' && fn.childForFieldName('object')?.type === 'identifier' && collections.modules.has(fn.childForFieldName('object')!.text)
            ? fn.childForFieldName('attribute')?.text
            : undefined;
      if (kind === undefined || (fn?.type === 'attribute' && !COLLECTIONS_CONTAINERS.has(kind))) return null;
      const all = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => a !== null && a.type !== 'comment');
      if (all.some((a) => a.type.endsWith('_splat'))) return null;
      const args = all.filter((a) => a.type !== 'keyword_argument');
      const kwargs = all.filter((a) => a.type === 'keyword_argument');
      const items: FlowExpr[] = [];
      switch (kind) {
        // `defaultdict(list)`: each missing key gets a new container of the factory's; one stands for all
        // (`d[k].append(f)` fills it, `for f in d[k]` reads it). Any other factory (`lambda: refund`, a
        // function, a class): a missing key gets what calling it returns
        case 'defaultdict': {
          const factory = args[0];
          if (factory?.type === 'identifier' && (BUILTIN_CONTAINERS.has(factory.text) ? !shadowed.has(factory.text) : collections.names.has(factory.text)))
            items.push(['l', literalId(factory)]);
          else if (
            factory?.type === 'attribute' &&
            factory.childForFieldName('object')?.type === 'identifier' &&
            collections.modules.has(factory.childForFieldName('object')!.text)
          )
            items.push(['l', literalId(factory)]);
          else if (factory) items.push(['c', expr(factory), [], []]);
          for (const a of args.slice(1)) items.push(['i', expr(a)]);
          for (const k of kwargs) items.push(expr(k.childForFieldName('value'), true));
          break;
        }
        // `ChainMap(a, b)` looks keys up in each map it is given
        case 'ChainMap':
          for (const a of args) items.push(['i', expr(a)]);
          break;
        // `deque(fs, maxlen=…)`: the elements of its iterable; `dict(card=f)`, `OrderedDict(card=f)`: the keywords' values too
        default:
          if (args.length > 1) return null;
          if (args[0]) items.push(['i', expr(args[0])]);
          if (kwargs.length > 0 && !KEYWORD_MAPS.has(kind) && kind !== 'deque') return null;
          if (KEYWORD_MAPS.has(kind)) for (const k of kwargs) items.push(expr(k.childForFieldName('value'), true));
      }
      return ['l', literalId(node), ...items];
    };
    const stringValue = (node: Node): FlowExpr => {
      if (node.namedChildren.some((c) => c?.type === 'interpolation')) return null;
      const m = /^[rRbBuU]?(?:'''|"""|'|")([\s\S]*?)(?:'''|"""|'|")$/.exec(node.text);
      return m ? ['str', m[1]!] : null;
    };
    const exprOf = (node: Node): FlowExpr => {
      switch (node.type) {
        case 'identifier':
          return node.text;
        case 'attribute': {
          const obj = expr(node.childForFieldName('object'));
          const attr = node.childForFieldName('attribute')?.text;
          if (obj === null || !attr) return null;
          return typeof obj === 'string' ? `${obj}.${attr}` : ['a', obj, attr];
        }
        case 'call': {
          const fn = node.childForFieldName('function');
          const f = fn?.type === 'identifier' && fn.text === 'super' ? 'super' : expr(fn);
          const args: FlowExpr[] = [];
          const kwargs: [string, FlowExpr][] = [];
          let splat = 0;
          const argList = node.childForFieldName('arguments');
          if (argList?.type === 'generator_expression') args.push(expr(argList));
          else {
            for (const a of argList?.namedChildren ?? []) {
              if (!a || a.type === 'comment') continue;
              if (a.type === 'keyword_argument') kwargs.push([a.childForFieldName('name')?.text ?? '', expr(a.childForFieldName('value'), true)]);
              else if (a.type === 'list_splat' || a.type === 'dictionary_splat') splat = 1;
              else args.push(expr(a, true));
            }
          }
          return splat ? ['c', f, args, kwargs, 1] : ['c', f, args, kwargs];
        }
        case 'subscript':
          return sub(expr(node.childForFieldName('value')));
        case 'parenthesized_expression':
        case 'await':
          return expr(node.namedChildren.find((c) => c && c.type !== 'comment') ?? null);
        case 'list':
        case 'tuple':
        case 'set':
        case 'expression_list':
          return [
            'l',
            literalId(node),
            ...node.namedChildren.map((c) => (c && c.type !== 'comment' ? expr(c.type === 'list_splat' ? (c.namedChildren[0] ?? null) : c) : null)),
          ];
        case 'dictionary':
          return [
            'l',
            literalId(node),
            ...node.namedChildren.map((c) =>
              c?.type === 'pair' ? expr(c.childForFieldName('value')) : c?.type === 'dictionary_splat' ? sub(expr(c.namedChildren[0] ?? null)) : null,
            ),
          ];
        case 'list_comprehension':
        case 'set_comprehension':
        case 'generator_expression':
          return ['l', literalId(node), expr(node.childForFieldName('body'))];
        case 'dictionary_comprehension': {
          const body = node.childForFieldName('body');
          return ['l', literalId(node), body?.type === 'pair' ? expr(body.childForFieldName('value')) : null];
        }
        case 'conditional_expression': {
          const c = node.namedChildren.filter((x) => x && x.type !== 'comment');
          return ['u', expr(c[0] ?? null), expr(c[2] ?? null)];
        }
        case 'boolean_operator':
          return ['u', expr(node.childForFieldName('left')), expr(node.childForFieldName('right'))];
        case 'named_expression':
          return expr(node.childForFieldName('value'));
        // operators on literals only (`1 + 2`, `-1`) can run nothing of ours: no value, no site
        case 'binary_operator': {
          const op = node.childForFieldName('operator')?.type ?? '';
          const d = BINARY_DUNDERS[op];
          const left = expr(node.childForFieldName('left'));
          const right = expr(node.childForFieldName('right'));
          if (!d || (left === null && right === null)) return null;
          // `HOOKS + [f]`, `BASE | {"card": f}`: on containers, a new one holding both sides' elements
          return op === '+' || op === '|' ? ['o', `__${d}__`, `__r${d}__`, left, [right], literalId(node)] : ['o', `__${d}__`, `__r${d}__`, left, [right]];
        }
        case 'unary_operator': {
          const d = UNARY_DUNDERS[node.childForFieldName('operator')?.type ?? ''];
          const arg = expr(node.childForFieldName('argument'));
          return d && arg !== null ? ['o', d, '', arg, []] : null;
        }
        case 'lambda':
          return ['d', lambdaName(node)];
        default:
          return null;
      }
    };
    const sub = (v: FlowExpr): FlowExpr => (v === null ? null : ['s', v]);

    /** Records `target = value` for each name/attribute/subscript the assignment target binds. */
    const assign = (scope: ScopeFacts, left: Node | null, value: FlowExpr): void => {
      if (!left || value === null) return;
      switch (left.type) {
        case 'identifier':
          flow(scope, left.text, value);
          return;
        case 'attribute': {
          const c = expr(left);
          if (typeof c === 'string') flow(scope, c, value);
          return;
        }
        case 'subscript': {
          const c = expr(left.childForFieldName('value'));
          if (typeof c === 'string') flow(scope, `${c}[]`, value);
          return;
        }
        case 'parenthesized_expression':
          assign(scope, left.namedChildren[0] ?? null, value);
          return;
        default:
          if (UNPACKING_TARGETS.has(left.type)) for (const c of unpackedElements(left)) assign(scope, c, sub(value));
          return;
      }
    };

    /**
     * `HOOKS.append(f)`, `.appendleft`, `.add`, `.insert(i, f)`, `.setdefault(k, f)`, `.extend(fs)`
     * on a named object: what a list, set or dict literal there holds afterwards, as `HOOKS[k] = f`
     * is (an object that is no container literal gets nothing from it; the call's own edges stay).
     */
    const containerAdd = (scope: ScopeFacts, fn: Node | null, args: Node | null): void => {
      if (fn?.type !== 'attribute' || args?.type !== 'argument_list') return;
      const method = fn.childForFieldName('attribute')?.text ?? '';
      const at = CONTAINER_ADDS[method];
      if (at === undefined) return;
      const all = args.namedChildren.filter((a): a is Node => a !== null && a.type !== 'comment');
      if (all.some((a) => a.type.endsWith('_splat'))) return;
      const positional = all.filter((a) => a.type !== 'keyword_argument');
      const keywords = all.filter((a) => a.type === 'keyword_argument');
      // `update` takes a mapping (or pairs) and keywords: `HANDLERS.update({"card": f})`, `.update(card=f)`
      if (method === 'update' ? positional.length > 1 : positional.length !== at.arity || keywords.length > 0) return;
      const holder = containerHolder(fn.childForFieldName('object'));
      if (holder === null) return;
      for (const p of method === 'update' ? positional : [positional[at.arity - 1]!]) {
        const value = expr(p, true);
        flow(scope, holder, at.each ? sub(value) : value);
      }
      for (const k of keywords) flow(scope, holder, expr(k.childForFieldName('value'), true));
    };
    /**
     * The flow target of what a container method adds: `HOOKS[]` for `HOOKS.append(f)`,
     * `self.steps[]`; `d[][]` for `d[k].append(f)` (the container held as an element of d's:
     * a `defaultdict(list)`'s lists, a dict of lists).
     */
    const containerHolder = (node: Node | null): string | null => {
      let elements = '[]';
      while (node?.type === 'subscript' && elements.length < 8) {
        node = node.childForFieldName('value');
        elements += '[]';
      }
      const holder = expr(node);
      return typeof holder === 'string' ? `${holder}${elements}` : null;
    };

    const visitScope = (scope: ScopeFacts, isClass: boolean, body: () => void): void => {
      scopeStack.push({ scope, isClass });
      body();
      scopeStack.pop();
    };

    const params = (scope: ScopeFacts, list: Node | null): void => {
      const names: string[] = [];
      let required = 0;
      let star = false;
      let dstar = false;
      for (const p of list?.namedChildren ?? []) {
        if (!p) continue;
        let nameNode: Node | null = null;
        let hasDefault = false;
        switch (p.type) {
          case 'identifier':
            nameNode = p;
            break;
          case 'typed_parameter': {
            const inner = p.namedChildren[0];
            if (inner?.type === 'identifier') nameNode = inner;
            else if (inner?.type === 'list_splat_pattern') star = true;
            else if (inner?.type === 'dictionary_splat_pattern') dstar = true;
            break;
          }
          case 'default_parameter':
          case 'typed_default_parameter':
            nameNode = p.childForFieldName('name');
            hasDefault = true;
            break;
          case 'list_splat_pattern':
            star = true;
            break;
          case 'dictionary_splat_pattern':
            dstar = true;
            break;
          default:
            break;
        }
        if (!nameNode || nameNode.type !== 'identifier') continue;
        names.push(nameNode.text);
        if (!hasDefault && !star) required++;
        // an annotation naming a class types the parameter (`scorer: Scorer`)
        const type = p.childForFieldName('type');
        const t = type ? expr(type.namedChildren[0] ?? type) : null;
        if (typeof t === 'string') flow(scope, nameNode.text, ['t', t]);
      }
      scope.params = { names, required, ...(star ? { star } : {}), ...(dstar ? { dstar } : {}) };
    };

    /** Visits an assignment's value, recording which of its scope's sites, refs and calls it holds. */
    const visitInitializer = (scope: ScopeFacts, node: Node, { names, bound }: { names: string[]; bound?: number }): void => {
      const start = { sites: scope.sites?.length ?? 0, refs: scope.refs.length, calls: scope.calls.length };
      const outer = initializer;
      initializer = ++initializerCount;
      visit(node);
      initializer = outer;
      const sites: [number, number] = [start.sites, scope.sites?.length ?? 0];
      const refs: [number, number] = [start.refs, scope.refs.length];
      const calls: [number, number] = [start.calls, scope.calls.length];
      // a literal value computes nothing and reads nothing
      if (sites[0] < sites[1] || refs[0] < refs[1] || calls[0] < calls[1])
        (scope.initializers ??= []).push({ names, ...(bound !== undefined ? { bound } : {}), sites, refs, calls });
    };

    const visit = (node: Node): void => {
      const current = scopeStack[scopeStack.length - 1]!;
      const initializes = initializerNames.get(node.id);
      if (initializes) {
        initializerNames.delete(node.id);
        visitInitializer(current.scope, node, initializes);
        return;
      }
      switch (node.type) {
        case 'function_definition':
        case 'class_definition': {
          const nameNode = node.childForFieldName('name');
          if (!nameNode) break;
          const parentName = current.scope.name;
          const name = parentName ? `${parentName}.${nameNode.text}` : nameNode.text;
          const isClass = node.type === 'class_definition';
          const decorated = node.parent?.type === 'decorated_definition' ? node.parent : node;
          const scope: ScopeFacts = {
            name,
            kind: isClass ? 'class' : current.isClass ? 'method' : 'function',
            start: decorated.startPosition.row + 1,
            end: node.endPosition.row + 1,
            calls: [],
            refs: [],
          };
          if (!isClass && current.isClass) scope.className = parentName;
          facts.scopes.push(scope);
          if (isClass) {
            const bases: string[] = [];
            const sup = node.childForFieldName('superclasses');
            for (const b of sup?.namedChildren ?? []) {
              if (!b) continue;
              const c = chainOf(b);
              if (c) bases.push(c);
              else visit(b);
            }
            facts.classes.push({ name, bases });
          } else {
            // defaults and annotations evaluate in the enclosing scope
            const ps = node.childForFieldName('parameters');
            if (ps) visitParams(ps);
            params(scope, ps);
          }
          // decorators run in the enclosing scope, at definition time: `@a @b def f` binds f = a(b(f))
          if (decorated !== node) {
            const decos = decorated.namedChildren.filter((d): d is Node => d?.type === 'decorator');
            for (const d of decos) visit(d);
            scope.decorators = decos.map((d) => chainOf(d.namedChildren[0]!) ?? '').map((c) => c.replace(/\(\)$/, ''));
            let value: FlowExpr = ['d', name];
            let rebinding = false;
            for (const d of [...decos].reverse()) {
              const dv = expr(d.namedChildren[0] ?? null);
              if (dv === null) continue;
              const short = typeof dv === 'string' ? dv.split('.').pop()! : '';
              // builtin descriptors and abc markers leave the function itself callable
              if (IDENTITY_DECORATORS.has(short)) continue;
              // marked 2 in the splat slot: the decorator receives the function, it does not call it
              value = ['c', dv, [value], [], 2];
              site(current.scope, value);
              rebinding = true;
            }
            if (rebinding) {
              scope.rebound = true;
              flow(current.scope, nameNode.text, value);
            }
          }
          visitScope(scope, isClass, () => {
            const body = node.childForFieldName('body');
            if (body) visit(body);
          });
          return;
        }
        case 'lambda': {
          const name = lambdaName(node);
          const scope: ScopeFacts = { name, kind: 'function', start: node.startPosition.row + 1, end: node.endPosition.row + 1, calls: [], refs: [] };
          facts.scopes.push(scope);
          const ps = node.childForFieldName('parameters');
          if (ps) visitParams(ps);
          params(scope, ps);
          visitScope(scope, false, () => {
            const body = node.childForFieldName('body');
            flow(scope, '<ret>', expr(body));
            if (body) visit(body);
          });
          return;
        }
        case 'decorated_definition': {
          const def = node.childForFieldName('definition');
          if (def) visit(def);
          return;
        }
        case 'call': {
          site(current.scope, expr(node));
          const fn = node.childForFieldName('function');
          containerAdd(current.scope, fn, node.childForFieldName('arguments'));
          if (fn) {
            const c = chainOf(fn);
            if (c !== null) {
              current.scope.calls.push(c);
              // the object of `a.b().c()` may itself contain calls
              if (fn.type === 'attribute') {
                objectChainReads(current.scope, fn);
                visitObject(fn);
              }
              // `make()()`: the inner call is a call too
              else if (fn.type === 'call') visit(fn);
            } else visit(fn);
          }
          const args = node.childForFieldName('arguments');
          if (args) visit(args);
          return;
        }
        case 'attribute': {
          const c = chainOf(node);
          if (c !== null && !c.startsWith('?')) current.scope.refs.push(c);
          attributeSites(current.scope, node, targetUse.get(node.id));
          visitObject(node);
          return;
        }
        case 'delete_statement':
          for (const t of node.namedChildren) markTargets(t, ['del']);
          break;
        case 'augmented_assignment': {
          const left = node.childForFieldName('left');
          markTargets(left, ['aug', null]);
          // `a += b` runs a.__iadd__(b), else a.__add__(b), else b.__radd__(a); a holds the result
          const d = BINARY_DUNDERS[(node.childForFieldName('operator')?.type ?? '').slice(0, -1)];
          const l = left ? expr(left) : null;
          if (d && left) {
            const right = expr(node.childForFieldName('right'), true);
            const op: FlowExpr = ['o', `__i${d}__|__${d}__`, `__r${d}__`, l, [right]];
            if (l !== null) implicit(current.scope, op);
            assign(current.scope, left, op);
            // `HOOKS += [f]`, `self.steps += (f,)`, `HANDLERS |= {"card": f}`, `BY_KIND[k] += [f]`: a
            // list, set or dict there takes the right side's elements in place (as `.extend`/`.update` would)
            const holder = d === 'add' || d === 'or' ? containerHolder(left) : null;
            if (holder !== null && right !== null) flow(current.scope, holder, ['i', right]);
          }
          break;
        }
        case 'binary_operator':
        case 'unary_operator': {
          const e = expr(node);
          if (Array.isArray(e)) implicit(current.scope, e);
          break;
        }
        case 'comparison_operator':
          comparisonSites(current.scope, node);
          break;
        case 'subscript': {
          const v = expr(node.childForFieldName('value'));
          if (v !== null) {
            const keys = node.childrenForFieldName('subscript').filter((k): k is Node => k !== null);
            const key = keys.length === 1 ? expr(keys[0]!, true) : null;
            const use = targetUse.get(node.id);
            if (!use || use[0] === 'aug') implicit(current.scope, ['o', '__getitem__', '', v, [key]]);
            if (use && use[0] !== 'del') implicit(current.scope, ['o', '__setitem__', '', v, [key, use[1]]]);
            else if (use) implicit(current.scope, ['o', '__delitem__', '', v, [key]]);
          }
          break;
        }
        case 'interpolation': {
          // f"{x}" formats x: its __format__ (object's calls str(x): __str__, else __repr__); `!r`/`!a` its __repr__
          const e = expr(node.childForFieldName('expression'));
          const conversion = node.childForFieldName('type_conversion')?.text ?? '';
          const names = conversion === '!r' || conversion === '!a' ? '__repr__' : conversion === '!s' ? '__str__|__repr__' : '__format__|__str__|__repr__';
          if (e !== null) implicit(current.scope, ['o', names, '', e, []]);
          break;
        }
        case 'not_operator':
          truth(current.scope, node.childForFieldName('argument'));
          break;
        case 'boolean_operator':
          // `a or b` tests a; b is tested only where the whole is a condition
          truth(current.scope, node.childForFieldName('left'));
          break;
        case 'if_statement':
        case 'elif_clause':
        case 'while_statement':
          truth(current.scope, node.childForFieldName('condition'));
          break;
        case 'assert_statement':
        case 'if_clause':
          truth(current.scope, node.namedChildren.find((c) => c && c.type !== 'comment') ?? null);
          break;
        case 'conditional_expression':
          truth(current.scope, node.namedChildren.filter((c) => c && c.type !== 'comment')[1] ?? null);
          break;
        case 'identifier':
          current.scope.refs.push(node.text);
          return;
        case 'keyword_argument': {
          const v = node.childForFieldName('value');
          if (v) visit(v);
          return;
        }
        case 'import_statement': {
          const atModule = current.scope.kind === 'module';
          const line = node.startPosition.row + 1;
          const end = node.endPosition.row + 1;
          for (const n of node.childrenForFieldName('name')) {
            if (!n) continue;
            if (n.type === 'aliased_import') {
              const mod = n.childForFieldName('name')!.text;
              addImport({ local: n.childForFieldName('alias')!.text, module: mod, line }, atModule, line, end);
            } else {
              const mod = n.text;
              // `import a.b.c` binds `a`; record the full module so `a.b.c.f` chains resolve
              addImport({ local: mod.split('.')[0]!, module: mod, line }, atModule, line, end);
            }
          }
          return;
        }
        case 'import_from_statement': {
          const atModule = current.scope.kind === 'module';
          const modNode = node.childForFieldName('module_name');
          const mod = absoluteModule(module, isPackage, modNode ? modNode.text : '');
          const line = node.startPosition.row + 1;
          const end = node.endPosition.row + 1;
          if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) {
            addImport({ local: '*', module: mod, line }, atModule, line, end);
            return;
          }
          for (const n of node.childrenForFieldName('name')) {
            if (!n) continue;
            if (n.type === 'aliased_import') {
              addImport({ local: n.childForFieldName('alias')!.text, module: mod, name: n.childForFieldName('name')!.text, line }, atModule, line, end);
            } else {
              addImport({ local: n.text.split('.').pop()!, module: mod, name: n.text, line }, atModule, line, end);
            }
          }
          return;
        }
        case 'expression_statement': {
          // module constants, and class attributes (`Cls.NAME`, read as self.NAME / Cls.NAME)
          if (current.scope.kind === 'module' || current.isClass) {
            const prefix = current.isClass ? `${current.scope.name}.` : '';
            for (const child of node.namedChildren) {
              if (child && (child.type === 'assignment' || child.type === 'augmented_assignment')) {
                const names = boundNames(child.childForFieldName('left')).map((name) => prefix + name);
                // in a class body, the attributes assigned above are those the value can see
                const bound = current.isClass ? facts.bindings.length : undefined;
                for (const name of names) facts.bindings.push({ name, start: node.startPosition.row + 1, end: node.endPosition.row + 1 });
                // what the value computes is the bindings' (`a = b = v`: v is the value)
                let value = child.childForFieldName('right');
                while (value?.type === 'assignment') value = value.childForFieldName('right');
                if (value && names.length > 0) initializerNames.set(value.id, { names, ...(bound !== undefined ? { bound } : {}) });
              }
            }
          }
          break;
        }
        case 'assignment': {
          // `a = b = v` nests: every left side gets the innermost value
          let right: Node | null = node.childForFieldName('right');
          while (right?.type === 'assignment') right = right.childForFieldName('right');
          const type = node.childForFieldName('type');
          const t = type ? expr(type.namedChildren[0] ?? type) : null;
          const value: FlowExpr = right ? (builtinContainer(right) ?? expr(right, true)) : typeof t === 'string' ? ['t', t] : null;
          assign(current.scope, node.childForFieldName('left'), value);
          // an assignment without a value (`x: int`) runs no setter
          if (right)
            for (let a: Node | null = node; a?.type === 'assignment'; a = a.childForFieldName('right'))
              markTargets(a.childForFieldName('left'), ['set', value]);
          break;
        }
        case 'return_statement':
        case 'yield': {
          const v = node.namedChildren.find((c) => c && c.type !== 'comment') ?? null;
          // `yield from g` passes g's elements on
          const isFrom = node.type === 'yield' && node.children.some((c) => c?.type === 'from');
          const value = expr(v);
          flow(current.scope, '<ret>', isFrom && value !== null ? ['i', value] : value);
          break;
        }
        case 'for_statement':
        case 'for_in_clause': {
          const right = expr(node.childForFieldName('right'));
          if (right !== null) {
            site(current.scope, ['it', right]);
            assign(current.scope, node.childForFieldName('left'), ['i', right]);
          }
          break;
        }
        case 'with_item': {
          // `with X() as y` and `with X():` run X().__enter__ and __exit__; y holds what __enter__ returns
          const v = node.childForFieldName('value');
          const isAs = v?.type === 'as_pattern';
          const ctx = expr(isAs ? (v.namedChildren[0] ?? null) : (v ?? null));
          if (ctx !== null) {
            const enter: FlowExpr = ['c', ['a', ctx, '__enter__'], [], []];
            site(current.scope, enter);
            site(current.scope, ['c', ['a', ctx, '__exit__'], [], []]);
            if (isAs) assign(current.scope, v.childForFieldName('alias')?.namedChildren[0] ?? null, enter);
          }
          break;
        }
        case 'global_statement':
        case 'nonlocal_statement': {
          if (current.scope === moduleScope) break;
          let owner: ScopeFacts | undefined = moduleScope;
          if (node.type === 'nonlocal_statement') {
            // the nearest enclosing function (class scopes are skipped by name lookup)
            owner = undefined;
            for (let i = scopeStack.length - 2; i > 0 && !owner; i--) if (!scopeStack[i]!.isClass) owner = scopeStack[i]!.scope;
          }
          if (!owner) break;
          // `global H` then `H = charge` rebinds the module's H (`nonlocal`, the enclosing function's):
          // the value is still worked out in this function's scope (resolve.ts)
          const outer = (current.scope.outer ??= {});
          for (const n of node.namedChildren) if (n?.type === 'identifier') outer[n.text] = owner.name;
          break;
        }
        case 'raise_statement': {
          // `raise E` instantiates E
          const e = node.namedChildren[0];
          if (e && (e.type === 'identifier' || e.type === 'attribute')) {
            const c = expr(e);
            if (c !== null) site(current.scope, ['c', c, [], []]);
          }
          break;
        }
        default:
          break;
      }
      for (const child of node.namedChildren) if (child) visit(child);
    };

    const visitObject = (attr: Node): void => {
      let obj = attr.childForFieldName('object');
      while (obj && obj.type === 'attribute') obj = obj.childForFieldName('object');
      if (obj && obj.type !== 'identifier') visit(obj);
    };

    const visitParams = (params: Node): void => {
      for (const p of params.namedChildren) {
        if (!p) continue;
        const d = p.childForFieldName('value');
        if (d) visit(d);
      }
    };

    visit(root);
    return facts;
  });
}

/** Binary operators → the dunder's stem (`+` → `__add__`, reflected `__radd__`, augmented `__iadd__`). */
const BINARY_DUNDERS: Record<string, string> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'truediv',
  '//': 'floordiv',
  '%': 'mod',
  '**': 'pow',
  '@': 'matmul',
  '&': 'and',
  '|': 'or',
  '^': 'xor',
  '<<': 'lshift',
  '>>': 'rshift',
};
const UNARY_DUNDERS: Record<string, string> = { '-': '__neg__', '+': '__pos__', '~': '__invert__' };
/** Comparison → its dunder and the reflected one tried on the right operand (`!=` falls back to `__eq__`). */
const COMPARISON_DUNDERS: Record<string, [string, string]> = {
  '==': ['__eq__', '__eq__'],
  '!=': ['__ne__|__eq__', '__ne__|__eq__'],
  '<': ['__lt__', '__gt__'],
  '<=': ['__le__', '__ge__'],
  '>': ['__gt__', '__lt__'],
  '>=': ['__ge__', '__le__'],
};

/** Whether an identifier is a name the file binds there (a definition, an assignment's or loop's target, a parameter, an import). */
function bindsName(n: Node): boolean {
  const p = n.parent;
  if (!p) return false;
  if (BINDING_PARENTS.has(p.type)) return true;
  const left = p.type === 'assignment' || p.type === 'for_statement' || p.type === 'augmented_assignment' ? p.childForFieldName('left') : null;
  return left?.id === n.id || (p.type === 'dotted_name' && (p.parent?.type === 'aliased_import' || p.parent?.type === 'import_from_statement'));
}
const BINDING_PARENTS = new Set([
  'function_definition',
  'class_definition',
  'parameters',
  'typed_parameter',
  'default_parameter',
  'typed_default_parameter',
  'aliased_import',
  'global_statement',
  'pattern_list',
  'tuple_pattern',
  'list_pattern',
  'as_pattern_target',
]);

/** Builtins that make a container: a call of one is a container literal for the flow analysis. */
const BUILTIN_CONTAINERS = new Set(['list', 'set', 'dict', 'frozenset', 'tuple']);

/** Methods that put their last argument (or, `each`, its elements) into a list, set or dict, by argument count. */
const CONTAINER_ADDS: Record<string, { arity: number; each?: true }> = Object.assign(Object.create(null) as object, {
  append: { arity: 1 },
  appendleft: { arity: 1 },
  add: { arity: 1 },
  insert: { arity: 2 },
  setdefault: { arity: 2 },
  extend: { arity: 1, each: true as const },
  extendleft: { arity: 1, each: true as const },
  update: { arity: 1, each: true as const },
});

/** Containers of `collections` a call of which is a container literal for the flow analysis. */
const COLLECTIONS_CONTAINERS = new Set(['deque', 'defaultdict', 'OrderedDict', 'ChainMap']);
/** Constructors whose keyword arguments are entries (`dict(card=f)`). */
const KEYWORD_MAPS = new Set(['dict', 'OrderedDict']);
const NO_COLLECTIONS = { names: new Map<string, string>(), modules: new Set<string>() };

/**
 * The local names of `collections`' containers (`from collections import deque as dq` → dq →
 * deque) and of the module itself (`import collections as c`), unless the file binds the name
 * elsewhere too (its own `deque`, a fallback assignment): then it keeps its own.
 */
function collectionsNames(root: Node): { names: Map<string, string>; modules: Set<string> } {
  const names = new Map<string, string>();
  const modules = new Set<string>();
  const imports = new Set<number>();
  for (const imp of root.descendantsOfType(['import_from_statement', 'import_statement'])) {
    if (!imp) continue;
    if (imp.type === 'import_from_statement') {
      if (imp.childForFieldName('module_name')?.text !== 'collections') continue;
      for (const n of imp.childrenForFieldName('name')) {
        if (!n) continue;
        const name = n.type === 'aliased_import' ? n.childForFieldName('name')?.text : n.text;
        const local = n.type === 'aliased_import' ? n.childForFieldName('alias')?.text : n.text;
        if (name && local && COLLECTIONS_CONTAINERS.has(name)) names.set(local, name);
      }
    } else
      for (const n of imp.childrenForFieldName('name')) {
        if (n?.type === 'dotted_name' && n.text === 'collections') modules.add('collections');
        else if (n?.type === 'aliased_import' && n.childForFieldName('name')?.text === 'collections') modules.add(n.childForFieldName('alias')?.text ?? '');
      }
    imports.add(imp.id);
  }
  if (names.size === 0 && modules.size === 0) return NO_COLLECTIONS;
  for (const n of root.descendantsOfType('identifier')) {
    if (!n || (!names.has(n.text) && !modules.has(n.text)) || !bindsName(n)) continue;
    let p: Node | null = n.parent;
    while (p && p.type !== 'import_from_statement' && p.type !== 'import_statement') p = p.parent;
    if (p && imports.has(p.id)) continue;
    names.delete(n.text);
    modules.delete(n.text);
  }
  return { names, modules };
}

/** Assignment targets that unpack into their elements (`a, b = …`, `[x, *rest] = …`). */
const UNPACKING_TARGETS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'expression_list', 'tuple', 'list']);

/** The targets an unpacking target's elements bind (a starred element's own target). */
function unpackedElements(left: Node): (Node | null)[] {
  return left.namedChildren.map((c) => (c?.type === 'list_splat_pattern' ? (c.namedChildren[0] ?? null) : c));
}

/** Decorators after which the name still calls the function itself. */
const IDENTITY_DECORATORS = new Set([
  'staticmethod',
  'classmethod',
  'property',
  'setter',
  'getter',
  'deleter',
  'abstractmethod',
  'cached_property',
  'wraps',
  'overload',
  'override',
  'dataclass',
  'total_ordering',
  'contextmanager',
]);

function boundNames(left: Node | null): string[] {
  if (!left) return [];
  if (left.type === 'identifier') return [left.text];
  if (left.type === 'pattern_list' || left.type === 'tuple_pattern' || left.type === 'list_pattern') {
    return left.namedChildren.flatMap((c) => (c ? boundNames(c) : []));
  }
  return [];
}
