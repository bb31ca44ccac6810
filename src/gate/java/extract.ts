import type { Node } from 'web-tree-sitter';
import type { FileFacts, ScopeFacts } from '../facts.js';
import { moduleNameFor, nameRecord, ownEntry } from '../facts.js';
import { withSyntaxTree } from '../treesitter.js';

const TYPE_DECLS = new Set(['class_declaration', 'interface_declaration', 'enum_declaration', 'record_declaration', 'annotation_type_declaration']);

/**
 * What a receiver expression is, as far as one file can tell; the resolver finishes the job with
 * the repository's classes. Plain arrays so the facts stay JSON (they are cached per file).
 * - `['this']`, `['super']`, `['outer', 'Outer']` (`Outer.this`)
 * - `['t', type]`: a value of a declared type (`List<Foo>`, `a.b.Foo`, `Foo[]`, `int`, `?` unknown)
 * - `['n', 'a.b']`: a name not bound to a local: a field (maybe inherited), a type or a package path
 * - `['f', recv, field]`: a field of a value; `['e', recv]`: an element of an array or iterable
 * - `['c', recv | null, name, arity]`: the value a call returns
 */
export type Recv =
  ['this'] | ['super'] | ['outer', string] | ['t', string] | ['n', string] | ['f', Recv, string] | ['e', Recv] | ['c', Recv | null, string, number];

/**
 * A call: `r` null for an unqualified `m()`; `k` 'new' (n is the type), 'ref' (a method reference
 * `X::m`, n 'new' for `X::new`), 'anon' (every method of an anonymous class). `h`, in a field's
 * initialiser only: a method reference the value only holds (not an argument of a call there).
 */
export interface JavaCall {
  r: Recv | null;
  n: string;
  a: number;
  k?: 'new' | 'ref' | 'anon';
  h?: 1;
  /**
   * For a call of a library method that runs a function object it is given (see {@link RUNS_ARGUMENT}):
   * the arguments that are values rather than lambdas or method references written there
   * (`executor.submit(task)`, `xs.forEach(handler)`), by index.
   */
  v?: [number, Recv][];
}

/**
 * The functional interface a lambda or method reference is converted to, as far as one file can
 * tell (the resolver finishes it with the repository's declarations):
 * - `['t', type]`: a declared type: the local or field it initialises, the enclosing method's return
 *   type (`return Fees::card;`), a cast
 * - `['r', recv]`: the type of the variable or field it is assigned to (`this.fee = Fees::card`)
 * - `['a', call, i]`: the `i`-th argument of a call (`k` 'new': a constructor; `n` '<init>' with `r`
 *   this/super: `this(…)`/`super(…)`): the resolved repository callee's parameter type there, or
 *   for a library container's storing method (`put`, `add`, …) as the last argument, the receiver's
 *   element type (`Map<String, Fee>.put(k, Fees::card)` → Fee)
 * - `['el', target]`: an element of the container or array the target types (`Map.of(k, Fees::card)`,
 *   `List.of(…)`, `{ Fees::card }` initialising a `Map<String, Fee>`, `List<Fee>`, `Fee[]`)
 */
export type JavaTarget = ['t', string] | ['r', Recv] | ['a', JavaCall, number] | ['el', JavaTarget];

/**
 * A lambda or method reference whose conversion target is known: `i`, for a method reference, the
 * index in the scope's `jc` of its `ref` call; `b`, for a lambda, the [start, end) of its body's
 * calls in `jc` (they stay the enclosing scope's too) and `p` its parameter count.
 */
export interface JavaFunObj {
  t: JavaTarget;
  i?: number;
  b?: [number, number];
  p?: number;
}

export interface JavaScopeFacts extends ScopeFacts {
  /** Calls with typed receivers (Java keeps `calls` empty). */
  jc?: JavaCall[];
  /** Methods: parameter counts [min, max] (max -1: varargs) and the declared return type. */
  sig?: [number, number];
  ret?: string;
  /**
   * Methods: declared parameter types (a varargs parameter as its array type); `abs`: declared
   * without a body; `gen`: declares type parameters of its own (`<T> void each(Function<T, R> f)`).
   */
  pt?: string[];
  abs?: 1;
  gen?: 1;
  /**
   * Methods: where the declared return type (`rv`) or a parameter's type (`tv`, per parameter, -1
   * for none) is a bare type parameter of the enclosing class (`class Registry<F> { F get(…) }`),
   * that parameter's index: a receiver's type argument replaces it (`Registry<Fee>.get` → Fee).
   */
  rv?: number;
  tv?: number[];
  /** Lambdas and method references converted to a known target type (see {@link JavaFunObj}). */
  fo?: JavaFunObj[];
  /** Names and field paths used as the receiver of a call (`RATES.get(k)`), not locals: kept apart from `refs`, which are read. */
  rr?: string[];
  /** Classes: their fields an initialiser block (`static { RATES.put(…); }`) assigns or calls methods on. */
  ia?: string[];
}

/**
 * A class as Java extracts it: `targs`, present only when some base has type arguments, gives per
 * base (same order as `bases`) the arguments the class passes it, `[]` for none: an argument's
 * erased simple name (`List<Foo>` → List, `a.b.Foo[]` → Foo[]) when it is concrete, `~N` for the
 * class's own N-th type parameter, `~` for anything else not concrete (a wildcard, a type variable
 * of an enclosing declaration).
 */
export type JavaClassFacts = FileFacts['classes'][number] & { targs?: string[][] };

export interface JavaFileFacts extends FileFacts {
  classes: JavaClassFacts[];
  /** Per class (local name): field name → declared type (enum constants: the enum). */
  jfields?: Record<string, Record<string, string>>;
  /** Static imports: [qualified class, member or '*']. */
  jstatic?: [string, string][];
}

const PRIMITIVES = new Set(['integral_type', 'floating_point_type', 'boolean_type', 'void_type']);
const LITERAL_NUM = new Set([
  'decimal_integer_literal',
  'hex_integer_literal',
  'octal_integer_literal',
  'binary_integer_literal',
  'decimal_floating_point_literal',
  'hex_floating_point_literal',
  'true',
  'false',
  'character_literal',
  'null_literal',
]);

/** Library methods whose one-parameter lambda argument receives an element of the receiver. */
const ELEMENT_LAMBDA = new Set(
  'filter map flatMap forEach forEachOrdered anyMatch allMatch noneMatch removeIf peek ifPresent takeWhile dropWhile mapToInt mapToLong mapToDouble mapToObj'.split(
    ' ',
  ),
);

/**
 * Library methods that run (now or later) a function object passed to them: executors, futures,
 * iteration, streams, Optional, maps' compute family, Guava's transform/filter. A repository
 * method of the same name is resolved as usual: these matter only where the callee is a library's.
 */
export const RUNS_ARGUMENT = new Set(
  'submit execute invokeAll invokeAny schedule scheduleAtFixedRate scheduleWithFixedDelay supplyAsync runAsync thenApply thenApplyAsync thenAccept thenAcceptAsync thenRun thenRunAsync thenCompose thenComposeAsync thenCombine handle whenComplete exceptionally forEach forEachOrdered forEachRemaining map flatMap filter mapToInt mapToLong mapToDouble mapToObj anyMatch allMatch noneMatch reduce sorted sort min max removeIf replaceAll computeIfAbsent computeIfPresent compute merge ifPresent ifPresentOrElse orElseGet orElseThrow peek takeWhile dropWhile iterate generate transform transformValues any all find tryFind uniqueIndex index comparing thenComparing'.split(
    ' ',
  ),
);
/** Arguments that may be a function object held in a value: a name, a field, a new instance, a call's result, a cast. */
const VALUE_ARGUMENT = new Set(['identifier', 'field_access', 'object_creation_expression', 'method_invocation', 'cast_expression']);

/** Static factories whose arguments are the elements of the container they make (`Map.of(k, v, …)`, `List.of(a, b)`). */
const FACTORY = new Set('of asList singletonList singleton singletonMap newArrayList'.split(' '));
const FACTORY_CLASS = new Set('Map List Set Stream Arrays Collections Lists ImmutableMap ImmutableList ImmutableSet'.split(' '));
/** Library map entries made from a key and a value (`Map.entry(k, v)`, `new AbstractMap.SimpleEntry<>(k, v)`): class → factory. */
const ENTRY_FACTORY = new Map([
  ['Map', 'entry'],
  ['Maps', 'immutableEntry'],
]);
const ENTRY_CLASS = new Set(['SimpleEntry', 'SimpleImmutableEntry']);
/** The JDK's containers a double-brace initialisation subclasses, and the methods that store an element there (the last argument). */
const JDK_CONTAINERS = new Set(
  'HashMap LinkedHashMap TreeMap ConcurrentHashMap ConcurrentSkipListMap EnumMap Hashtable IdentityHashMap WeakHashMap ArrayList LinkedList Vector CopyOnWriteArrayList HashSet LinkedHashSet TreeSet CopyOnWriteArraySet ArrayDeque'.split(
    ' ',
  ),
);
const DOUBLE_BRACE_STORE = new Set(['put', 'putIfAbsent', 'add', 'addFirst', 'addLast', 'push', 'offer']);
/** Guava's immutable map builders (`ImmutableMap.<K, V>builder().put(k, v)`): the classes, the calls starting one, the calls along a chain. */
const BUILDER_CLASS = new Set(['ImmutableMap', 'ImmutableSortedMap', 'ImmutableBiMap']);
const BUILDER_START = new Set(['builder', 'builderWithExpectedSize']);
const BUILDER_STEP = new Set(['put', 'putAll', 'orderEntriesByValue']);
/** Static factories whose arguments are the entries of the map they make (`Map.ofEntries(entry(k, v), …)`). */
const ENTRIES_FACTORY = new Set(['Map.ofEntries', 'ImmutableMap.ofEntries']);

const named = (n: Node | null): Node[] =>
  n ? n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'line_comment' && c.type !== 'block_comment') : [];

function chainOf(node: Node): string | null {
  switch (node.type) {
    case 'identifier':
    case 'type_identifier':
      return node.text;
    case 'this':
      return 'this';
    case 'super':
      return 'super';
    case 'field_access': {
      const obj = node.childForFieldName('object');
      const field = node.childForFieldName('field');
      if (!obj || !field) return null;
      const left = chainOf(obj);
      return left === null ? `?.${field.text}` : `${left}.${field.text}`;
    }
    case 'scoped_identifier':
    case 'scoped_type_identifier':
      return node.text.replace(/\s+/g, '');
    case 'generic_type': {
      const t = node.namedChildren[0];
      return t ? chainOf(t) : null;
    }
    default:
      return null;
  }
}

/** Simple type name without generics/package: `java.util.List<X>` → List. */
function simpleType(node: Node | null): string | null {
  if (!node) return null;
  const c = chainOf(node);
  return c ? c.split('.').pop()! : null;
}

/** A dotted path of plain identifiers (`a.b.c`), or null. */
function pathOf(node: Node): string | null {
  if (node.type === 'identifier') return node.text;
  if (node.type !== 'field_access') return null;
  const obj = node.childForFieldName('object');
  const field = node.childForFieldName('field');
  if (!obj || !field || field.type !== 'identifier') return null;
  const left = pathOf(obj);
  return left === null ? null : `${left}.${field.text}`;
}

/**
 * A method's parameter types as its overload suffix (`(UUID,Pagination,int[])`): simple names,
 * generics and annotations dropped, varargs as arrays; no dots, so the id's last segment stays
 * whole. See {@link overloadName} in facts.ts.
 */
function parameterTypes(params: Node | null): string {
  const simple = (t: Node | null): string => {
    if (!t) return '?';
    switch (t.type) {
      case 'array_type': {
        const dims = t.childForFieldName('dimensions')?.text.replace(/[^[\]]/g, '') ?? '[]';
        return `${simple(t.childForFieldName('element'))}${dims}`;
      }
      case 'annotated_type':
        return simple(named(t).find((c) => c.type !== 'marker_annotation' && c.type !== 'annotation') ?? null);
      case 'generic_type':
        return simple(named(t)[0] ?? null);
      default:
        return (
          (chainOf(t) ?? t.text)
            .split('.')
            .pop()!
            .replace(/[^\w$]/g, '') || '?'
        );
    }
  };
  const out: string[] = [];
  for (const p of named(params)) {
    if (p.type === 'formal_parameter') {
      const dims = p.childForFieldName('dimensions')?.text.replace(/[^[\]]/g, '') ?? '';
      out.push(simple(p.childForFieldName('type')) + dims);
    } else if (p.type === 'spread_parameter') out.push(`${simple(named(p).find((c) => c.type !== 'modifiers' && c.type !== 'variable_declarator') ?? null)}[]`);
  }
  return `(${out.join(',')})`;
}

/** Local variables of nested blocks: a block's own names over its parent's. */
class Locals {
  private readonly vars = new Map<string, Recv>();
  constructor(private readonly parent?: Locals) {}
  get(name: string): Recv | undefined {
    return this.vars.get(name) ?? this.parent?.get(name);
  }
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  set(name: string, v: Recv): void {
    this.vars.set(name, v);
  }
}

export async function extractJava(file: string, text: string): Promise<FileFacts> {
  return withSyntaxTree('java', text, (root) => {
    const lineCount = text.split('\n').length;
    const moduleScope: JavaScopeFacts = { name: '', kind: 'module', start: 1, end: lineCount, calls: [], refs: [], jc: [] };
    const facts: JavaFileFacts = {
      language: 'java',
      module: moduleNameFor(file, 'java'),
      lineCount,
      scopes: [moduleScope],
      classes: [],
      imports: [],
      bindings: [],
      jfields: nameRecord(),
      jstatic: [],
    };
    const line = (n: Node): number => n.startPosition.row + 1;
    const endLine = (n: Node): number => n.endPosition.row + 1;
    const anonCount = new Map<string, number>();
    /** Per class (local name): its methods and constructors with their parameter types, in source order. */
    const declared = new Map<string, [JavaScopeFacts, string][]>();
    /** Per class (local name): its fields' initialisers as scopes of their own (kind 'binding'), kept once the class's methods are known. */
    const initialisers = new Map<string, JavaScopeFacts[]>();
    /** The lambda (by node id) whose parameter is an element of a call's receiver, and that element. */
    let elementLambda: [number, Recv] | undefined;

    /** Type parameters in scope → their bound (erasure), innermost last. */
    type Ctx = { scope: JavaScopeFacts; cls: string | null; locals: Locals; tparams: Map<string, string>; own?: string[] };

    /** Whether a type argument stands for no one type: a wildcard, a type variable in scope, an array of one. */
    const openArg = (node: Node, ctx: Ctx): boolean => {
      switch (node.type) {
        case 'wildcard':
          return true;
        case 'type_identifier':
          return ctx.tparams.has(node.text);
        case 'array_type': {
          const e = node.childForFieldName('element');
          return e !== null && openArg(e, ctx);
        }
        case 'annotated_type': {
          const t = named(node).find((c) => c.type !== 'marker_annotation' && c.type !== 'annotation');
          return t !== undefined && openArg(t, ctx);
        }
        default:
          return false;
      }
    };

    /**
     * A concrete type's erasure as a simple name: `a.b.Foo<X>` → Foo, `List<X>[]` → List[]. Arrays
     * of any dimension are `[]` once, as in typeText, so both sides of a comparison read alike.
     */
    const erasedName = (node: Node): string | null => {
      switch (node.type) {
        case 'array_type': {
          const e = node.childForFieldName('element');
          const inner = e ? erasedName(e) : null;
          return inner === null ? null : `${inner.replace(/(\[\])+$/, '')}[]`;
        }
        case 'annotated_type': {
          const t = named(node).find((c) => c.type !== 'marker_annotation' && c.type !== 'annotation');
          return t ? erasedName(t) : null;
        }
        case 'type_identifier':
        case 'scoped_type_identifier':
        case 'generic_type':
          return simpleType(node);
        default:
          return PRIMITIVES.has(node.type) ? node.text : null;
      }
    };

    /**
     * The type arguments a class declaration passes one of its bases (see {@link JavaClassFacts}),
     * `own` its own type parameters; [] for a raw base or a diamond.
     */
    const baseArgs = (t: Node, own: string[], ctx: Ctx): string[] => {
      if (t.type === 'annotated_type') {
        const inner = named(t).find((c) => c.type !== 'marker_annotation' && c.type !== 'annotation');
        return inner ? baseArgs(inner, own, ctx) : [];
      }
      if (t.type !== 'generic_type') return [];
      const list = named(t).find((c) => c.type === 'type_arguments');
      return named(list ?? null).map((a) => {
        const i = a.type === 'type_identifier' ? own.indexOf(a.text) : -1;
        if (i >= 0) return `~${i}`;
        if (openArg(a, ctx)) return '~';
        return erasedName(a) ?? '~';
      });
    };

    const typeText = (node: Node | null, ctx: Ctx): string => {
      if (!node) return '?';
      switch (node.type) {
        case 'type_identifier': {
          const bound = ctx.tparams.get(node.text);
          return bound !== undefined ? bound : node.text;
        }
        case 'scoped_type_identifier':
          return node.text.replace(/<[^<>]*>/g, '').replace(/\s+/g, '');
        case 'generic_type': {
          const kids = named(node);
          const base = kids[0] ? typeText(kids[0], ctx) : '?';
          // an argument that is no one type (a type variable, a wildcard) is marked `~` before its
          // erasure, so dispatch does not take it for that type (parseType in resolve.ts strips it)
          const args = kids[1]?.type === 'type_arguments' ? named(kids[1]).map((a) => (openArg(a, ctx) ? '~' : '') + typeText(a, ctx)) : [];
          return args.length > 0 ? `${base}<${args.join(',')}>` : base;
        }
        case 'array_type':
          return `${typeText(node.childForFieldName('element'), ctx)}[]`;
        case 'wildcard': {
          const b = named(node).find((c) => c.type !== 'super');
          return b && !node.text.includes('super') ? typeText(b, ctx) : '?';
        }
        case 'annotated_type': {
          const t = named(node).find((c) => c.type !== 'marker_annotation' && c.type !== 'annotation');
          return t ? typeText(t, ctx) : '?';
        }
        default:
          return PRIMITIVES.has(node.type) ? node.text : '?';
      }
    };

    const withTypeParams = (node: Node, ctx: Ctx): Map<string, string> => {
      const tp = node.childForFieldName('type_parameters');
      if (!tp) return ctx.tparams;
      const out = new Map(ctx.tparams);
      const params = named(tp).map((p) => [named(p).find((c) => c.type === 'type_identifier')?.text, named(p).find((c) => c.type === 'type_bound')] as const);
      // every parameter is in scope in every bound (`<M extends Dao<E>, E extends Entity>`): named
      // first, so a later one is not taken for a class; the bounds then twice, so one naming a
      // later parameter gets that parameter's bound
      for (const [name] of params) if (name) out.set(name, '?');
      for (let pass = 0; pass < 2; pass++)
        for (const [name, bound] of params) if (name && bound) out.set(name, typeText(named(bound)[0] ?? null, { ...ctx, tparams: out }));
      return out;
    };

    const arity = (args: Node | null): number => named(args).length;

    /** What an expression evaluates to, for a receiver. */
    const recv = (n: Node, ctx: Ctx): Recv => {
      switch (n.type) {
        case 'identifier':
          return ctx.locals.get(n.text) ?? ['n', n.text];
        case 'this':
          return ['this'];
        case 'super':
          return ['super'];
        case 'field_access': {
          const obj = n.childForFieldName('object');
          const field = n.childForFieldName('field');
          if (!obj || !field) return ['t', '?'];
          if (field.type === 'this') return ['outer', obj.text.split('.').pop()!];
          const p = pathOf(n);
          if (p !== null && !ctx.locals.has(p.split('.')[0]!)) return ['n', p];
          return ['f', recv(obj, ctx), field.text];
        }
        case 'method_invocation': {
          const obj = n.childForFieldName('object');
          return ['c', obj ? recv(obj, ctx) : null, n.childForFieldName('name')?.text ?? '?', arity(n.childForFieldName('arguments'))];
        }
        case 'object_creation_expression':
          return ['t', typeText(n.childForFieldName('type'), ctx)];
        case 'array_creation_expression':
          return ['t', `${typeText(n.childForFieldName('type'), ctx)}[]`];
        case 'cast_expression':
          return ['t', typeText(n.childForFieldName('type'), ctx)];
        case 'parenthesized_expression': {
          const inner = named(n)[0];
          return inner ? recv(inner, ctx) : ['t', '?'];
        }
        case 'string_literal':
        case 'text_block':
          return ['t', 'String'];
        case 'ternary_expression': {
          const c = n.childForFieldName('consequence');
          return c ? recv(c, ctx) : ['t', '?'];
        }
        case 'array_access': {
          const a = n.childForFieldName('array');
          return a ? ['e', recv(a, ctx)] : ['t', '?'];
        }
        case 'assignment_expression': {
          const r = n.childForFieldName('right');
          return r ? recv(r, ctx) : ['t', '?'];
        }
        case 'binary_expression':
        case 'unary_expression':
        case 'update_expression':
        case 'instanceof_expression':
          return ['t', 'int'];
        case 'class_literal':
          return ['t', 'Class'];
        default:
          return LITERAL_NUM.has(n.type) ? ['t', 'int'] : ['t', '?'];
      }
    };

    const declare = (name: string | undefined, type: Node | null, value: Node | null, ctx: Ctx): void => {
      if (!name) return;
      const t = type ? typeText(type, ctx) : '?';
      if (type && type.text === 'var') ctx.locals.set(name, value ? recv(value, ctx) : ['t', '?']);
      else ctx.locals.set(name, ['t', t]);
    };

    /** Declares the parameters as locals; their counts [min, max] (max -1: varargs), and their types into `types` when given. */
    const declareParams = (params: Node | null, ctx: Ctx, types?: string[]): [number, number] => {
      let min = 0;
      let varargs = false;
      for (const p of named(params)) {
        if (p.type === 'formal_parameter') {
          min++;
          const type = p.childForFieldName('type');
          declare(p.childForFieldName('name')?.text, type, null, ctx);
          types?.push(typeText(type, ctx) + (p.childForFieldName('dimensions') ? '[]' : ''));
        } else if (p.type === 'spread_parameter') {
          varargs = true;
          const t = named(p).find((c) => c.type !== 'modifiers' && c.type !== 'variable_declarator');
          const d = named(p).find((c) => c.type === 'variable_declarator');
          const name = d?.childForFieldName('name')?.text;
          const text = `${typeText(t ?? null, ctx)}[]`;
          if (name) ctx.locals.set(name, ['t', text]);
          types?.push(text);
        } else if (p.type === 'identifier') {
          min++;
          ctx.locals.set(p.text, ['t', '?']);
        }
      }
      return [min, varargs ? -1 : min];
    };

    /**
     * Where a lambda or method reference is converted, when the syntax around it says (see
     * {@link JavaTarget}): through parentheses and the branches of `?:`, up to the declaration,
     * assignment, return, cast or call argument it is. A lambda returning it (`() -> Fees::card`)
     * and a library call other than a container's store or factory give none.
     */
    const targetOf = (node: Node, ctx: Ctx): JavaTarget | null => {
      let n = node;
      let p = n.parent;
      while (p && (p.type === 'parenthesized_expression' || (p.type === 'ternary_expression' && p.childForFieldName('condition')?.id !== n.id))) {
        n = p;
        p = p.parent;
      }
      if (!p) return null;
      switch (p.type) {
        case 'variable_declarator': {
          const type = p.parent?.childForFieldName('type');
          if (p.childForFieldName('value')?.id !== n.id || !type || type.text === 'var') return null;
          return ['t', typeText(type, ctx) + (p.childForFieldName('dimensions') ? '[]' : '')];
        }
        case 'assignment_expression': {
          const left = p.childForFieldName('left');
          if (p.childForFieldName('right')?.id !== n.id || !left || p.childForFieldName('operator')?.text !== '=') return null;
          return ['r', recv(left, ctx)];
        }
        case 'cast_expression':
          return ['t', typeText(p.childForFieldName('type'), ctx)];
        case 'return_statement': {
          // the enclosing method's return type; a lambda's `return` is the lambda's
          let m: Node | null = p.parent;
          while (m && m.type !== 'method_declaration' && m.type !== 'lambda_expression' && m.type !== 'class_body') m = m.parent;
          if (m?.type !== 'method_declaration') return null;
          return ['t', typeText(m.childForFieldName('type'), ctx) + (m.childForFieldName('dimensions') ? '[]' : '')];
        }
        case 'array_initializer': {
          const t = targetOf(p, ctx);
          return t ? ['el', t] : null;
        }
        case 'argument_list': {
          const call = p.parent;
          const i = named(p).findIndex((c) => c.id === n.id);
          if (!call || i < 0) return null;
          const a = arity(p);
          if (call.type === 'method_invocation') {
            const obj = call.childForFieldName('object');
            const name = call.childForFieldName('name')?.text;
            if (!name) return null;
            const on = obj ? simpleType(obj) : null;
            if (obj && on && FACTORY.has(name) && FACTORY_CLASS.has(on) && !ctx.locals.has(on)) {
              const t = targetOf(call, ctx);
              return t ? ['el', t] : null;
            }
            if (a === 2 && i === 1 && isEntryFactory(obj, on, name, ctx)) return entryValue(call, ctx);
            if (a === 2 && i === 1 && name === 'put') {
              const t = builderValue(call, ctx);
              if (t) return t;
            }
            if ((!obj || obj.type === 'this') && i === a - 1 && DOUBLE_BRACE_STORE.has(name)) {
              const t = doubleBraceElement(call, ctx);
              if (t) return t;
            }
            return ['a', { r: obj ? recv(obj, ctx) : null, n: name, a }, i];
          }
          if (call.type === 'object_creation_expression') {
            const type = call.childForFieldName('type');
            if (a === 2 && i === 1 && ENTRY_CLASS.has(simpleType(type) ?? '') && !named(call).some((c) => c.type === 'class_body')) {
              // explicit type arguments say the value's type; a diamond takes it from the context
              return type?.type === 'generic_type' && named(named(type).find((c) => c.type === 'type_arguments') ?? null).length === 2
                ? ['el', ['t', typeText(type, ctx)]]
                : entryValue(call, ctx);
            }
            return ['a', { r: null, n: typeText(type, ctx), a, k: 'new' }, i];
          }
          if (call.type === 'explicit_constructor_invocation')
            return ['a', { r: call.childForFieldName('constructor')?.type === 'super' ? ['super'] : ['this'], n: '<init>', a }, i];
          return null;
        }
        default:
          return null;
      }
    };
    /**
     * Records which of a method's return and parameter types are a bare type parameter of its class
     * (see {@link JavaScopeFacts.rv}); one the method declares itself shadows the class's.
     */
    const classTypeVars = (node: Node, params: Node | null, ctx: Ctx, s: JavaScopeFacts): void => {
      const own = ctx.own;
      if (!own || own.length === 0) return;
      const mine = new Set(named(node.childForFieldName('type_parameters')).map((p) => named(p).find((c) => c.type === 'type_identifier')?.text));
      const index = (t: Node | null): number => (t?.type === 'type_identifier' && !mine.has(t.text) ? own.indexOf(t.text) : -1);
      const rv = node.childForFieldName('dimensions') ? -1 : index(node.childForFieldName('type'));
      if (rv >= 0) s.rv = rv;
      const tv = named(params).map((p) => (p.type === 'formal_parameter' && !p.childForFieldName('dimensions') ? index(p.childForFieldName('type')) : -1));
      if (tv.some((i) => i >= 0)) s.tv = tv;
    };
    /**
     * The target of a value put into a fluent immutable map builder: the value type of the builder's
     * type arguments (`ImmutableMap.<String, Fee>builder()`, `new ImmutableMap.Builder<String,
     * Fee>()`). Without them the compiler infers Object for the chain, and a function object there
     * does not compile; a builder held in a variable is a typed receiver (a store).
     */
    const builderValue = (put: Node, ctx: Ctx): JavaTarget | null => {
      let start = put.childForFieldName('object');
      while (start?.type === 'method_invocation' && BUILDER_STEP.has(start.childForFieldName('name')?.text ?? '')) start = start.childForFieldName('object');
      if (start?.type === 'object_creation_expression') {
        const type = start.childForFieldName('type');
        const base = type?.type === 'generic_type' ? named(type)[0] : null;
        const parts = base ? (chainOf(base) ?? '').split('.') : [];
        if (parts.length < 2 || parts[parts.length - 1] !== 'Builder' || !BUILDER_CLASS.has(parts[parts.length - 2]!) || !type) return null;
        return ['el', ['t', typeText(type, ctx)]];
      }
      const on = start?.type === 'method_invocation' ? start.childForFieldName('object') : null;
      const cls = on ? simpleType(on) : null;
      if (!start || !cls || !BUILDER_CLASS.has(cls) || ctx.locals.has(cls) || !BUILDER_START.has(start.childForFieldName('name')?.text ?? '')) return null;
      const targs = named(start.childForFieldName('type_arguments'));
      return targs.length === 2 ? ['el', ['t', `${cls}<${targs.map((t) => (openArg(t, ctx) ? '~' : '') + typeText(t, ctx)).join(',')}>`]] : null;
    };
    /** Whether a call makes a library map entry: `Map.entry`, `Maps.immutableEntry`, or `entry` statically imported from Map. */
    const isEntryFactory = (obj: Node | null, on: string | null, name: string, ctx: Ctx): boolean => {
      if (obj) return on !== null && ENTRY_FACTORY.get(on) === name && !ctx.locals.has(on);
      return name === 'entry' && facts.jstatic!.some(([c, m]) => (m === 'entry' || m === '*') && c.split('.').pop() === 'Map');
    };
    /**
     * The target of an entry's value: the value type of the map whose entries `Map.ofEntries` takes,
     * else of the entry type the context gives (`Map.Entry<String, Fee> e = Map.entry(k, Fees::card)`).
     */
    const entryValue = (entry: Node, ctx: Ctx): JavaTarget | null => {
      let n = entry;
      while (n.parent?.type === 'parenthesized_expression') n = n.parent;
      const outer = n.parent?.type === 'argument_list' ? n.parent.parent : null;
      const obj = outer?.type === 'method_invocation' ? outer.childForFieldName('object') : null;
      const on = obj ? simpleType(obj) : null;
      const t =
        outer && on && ENTRIES_FACTORY.has(`${on}.${outer.childForFieldName('name')?.text}`) && !ctx.locals.has(on)
          ? targetOf(outer, ctx)
          : targetOf(entry, ctx);
      return t ? ['el', t] : null;
    };
    /**
     * Double-brace initialisation (`new HashMap<String, Fee>() {{ put(k, Fees::card); }}`): a store
     * without a receiver, or on `this`, written in the body of an anonymous subclass of a JDK
     * container (its initialiser, also inside an `if`, a loop or a lambda there, or a method of it;
     * not in a class within it) puts an element of that container, whose type its type arguments
     * give, or with a diamond the type the creation initialises (`Map<String, Fee> FEES = new
     * HashMap<>() {{ … }}`). The container is known by its simple name: a repository class named
     * `HashMap` is taken for the JDK's.
     */
    const doubleBraceElement = (call: Node, ctx: Ctx): JavaTarget | null => {
      let body: Node | null = call.parent;
      while (body && body.type !== 'class_body') body = body.parent;
      const creation = body?.parent;
      if (creation?.type !== 'object_creation_expression') return null;
      const type = creation.childForFieldName('type');
      const base = type?.type === 'generic_type' ? named(type)[0] : type;
      if (!type || !base || !JDK_CONTAINERS.has(base.text.split('.').pop()!)) return null;
      if (named(named(type).find((c) => c.type === 'type_arguments') ?? null).length > 0) return ['el', ['t', typeText(type, ctx)]];
      const t = targetOf(creation, ctx);
      return t ? ['el', t] : null;
    };
    const funObj = (ctx: Ctx, o: JavaFunObj): void => {
      (ctx.scope.fo ??= []).push(o);
    };

    /** `anon`: the type an anonymous class body extends (`new Base<X>() { … }`). */
    const typeDecl = (node: Node, ctx: Ctx, anon?: { base: string; type: Node | null }): string | null => {
      const anonBase = anon?.base;
      const name = anonBase !== undefined ? String((anonCount.get(ctx.cls ?? '') ?? 0) + 1) : node.childForFieldName('name')?.text;
      if (!name) return null;
      if (anonBase !== undefined) anonCount.set(ctx.cls ?? '', Number(name));
      const local = ctx.cls ? `${ctx.cls}.${name}` : name;
      const tparams = withTypeParams(node, ctx);
      const own = named(node.childForFieldName('type_parameters')).map((p) => named(p).find((c) => c.type === 'type_identifier')?.text ?? '');
      const headerCtx: Ctx = { ...ctx, tparams };
      const bases: string[] = [];
      const targs: string[][] = [];
      if (anonBase) {
        bases.push(anonBase);
        targs.push(anon?.type ? baseArgs(anon.type, [], ctx) : []);
      }
      const sup = node.childForFieldName('superclass');
      if (sup)
        for (const t of named(sup))
          if (simpleType(t)) {
            bases.push(simpleType(t)!);
            targs.push(baseArgs(t, own, headerCtx));
          }
      const ifaces = node.childForFieldName('interfaces') ?? named(node).find((c) => c.type === 'extends_interfaces') ?? null;
      if (ifaces)
        for (const list of named(ifaces))
          for (const t of list.type === 'type_list' ? named(list) : [list]) {
            const s = simpleType(t);
            if (s && !bases.includes(s)) {
              bases.push(s);
              targs.push(baseArgs(t, own, headerCtx));
            }
          }
      const cf: JavaClassFacts = {
        name: local,
        bases,
        kind: node.type === 'interface_declaration' || node.type === 'annotation_type_declaration' ? 'interface' : 'class',
      };
      if (targs.some((a) => a.length > 0)) cf.targs = targs;
      facts.classes.push(cf);
      const s: JavaScopeFacts = { name: local, kind: 'class', start: line(node), end: endLine(node), calls: [], refs: [], jc: [] };
      facts.scopes.push(s);
      const inner: Ctx = {
        scope: s,
        cls: local,
        locals: anonBase !== undefined || ctx.scope.kind !== 'class' ? new Locals(ctx.locals) : new Locals(),
        tparams,
        own,
      };
      const fields = nameRecord<string>();
      facts.jfields![local] = fields;
      const body = anonBase !== undefined ? node : node.childForFieldName('body');
      // fields first: a method may use a field declared below it
      const members: Node[] = [];
      for (const c of named(body)) {
        if (c.type === 'enum_body_declarations') members.push(...named(c));
        else members.push(c);
      }
      for (const c of members) {
        if (c.type === 'field_declaration' || c.type === 'constant_declaration') {
          const t = typeText(c.childForFieldName('type'), inner);
          for (const d of c.childrenForFieldName('declarator')) {
            const n = d?.childForFieldName('name')?.text;
            if (n) fields[n] = d?.childForFieldName('dimensions') ? `${t}[]` : t;
          }
        } else if (c.type === 'enum_constant') {
          const n = c.childForFieldName('name')?.text;
          if (n) fields[n] = local;
        }
      }
      if (node.type === 'record_declaration') {
        for (const p of named(node.childForFieldName('parameters'))) {
          const n = p.childForFieldName('name')?.text;
          if (n) fields[n] = typeText(p.childForFieldName('type'), inner);
        }
      }
      for (const c of members) {
        if (c.type === 'static_initializer' || c.type === 'block') for (const n of filledFields(c, fields)) if (!(s.ia ??= []).includes(n)) s.ia.push(n);
        visit(c, inner);
      }
      // a method of the field's name has the field's id: the method's definition keeps it
      const methods = new Set((declared.get(local) ?? []).map(([m]) => m.name));
      for (const b of initialisers.get(local) ?? []) if (!methods.has(b.name)) facts.scopes.push(b);
      // overloads: the first declaration of a name keeps `Class.m`, each later one is
      // `Class.m(T1,T2)` (`#n` appended should two erase to the same text), so each is its own node
      const taken = new Set<string>();
      for (const [m, types] of declared.get(local) ?? []) {
        let id = m.name;
        if (taken.has(id)) {
          id = `${m.name}${types}`;
          for (let n = 2; taken.has(id); n++) id = `${m.name}${types}#${n}`;
        }
        taken.add(id);
        m.name = id;
      }
      return local;
    };

    /**
     * The class's fields an initialiser block fills: those it assigns (`X = …`, `this.x = …`,
     * `XS[i] = …`) or calls a method on (`RATES.put(k, v)`). A local of the same name is not told
     * apart (recall first).
     */
    const filledFields = (block: Node, fields: Record<string, string>): string[] => {
      const out: string[] = [];
      const add = (n: Node | null): void => {
        while (n && n.type === 'array_access') n = n.childForFieldName('array');
        if (n?.type === 'field_access' && n.childForFieldName('object')?.type === 'this') n = n.childForFieldName('field');
        if (n?.type === 'identifier' && ownEntry(fields, n.text) !== undefined) out.push(n.text);
      };
      for (const a of block.descendantsOfType('assignment_expression')) add(a?.childForFieldName('left') ?? null);
      for (const m of block.descendantsOfType('method_invocation')) add(m?.childForFieldName('object') ?? null);
      return out;
    };

    const call = (ctx: Ctx, c: JavaCall): void => {
      ctx.scope.jc!.push(c);
    };

    /**
     * A field's initialiser, visited into a scope of its own (the binding's: what computing its
     * value calls and reads) whose calls and references are then also the class's, which runs it.
     */
    const fieldInitialiser = (name: string, value: Node, decl: Node, ctx: Ctx): void => {
      const cls = ctx.cls!;
      const own: JavaScopeFacts = { name, kind: 'binding', start: line(decl), end: endLine(decl), className: cls, calls: [], refs: [], jc: [] };
      visit(value, { ...ctx, scope: own });
      // the class keeps the initialiser's lambdas and method references too, at its own call indices
      const at = ctx.scope.jc!.length;
      for (const o of own.fo ?? [])
        funObj(ctx, { ...o, ...(o.i !== undefined ? { i: o.i + at } : {}), ...(o.b ? { b: [o.b[0] + at, o.b[1] + at] as [number, number] } : {}) });
      for (const c of own.jc!) ctx.scope.jc!.push(c.h ? { r: c.r, n: c.n, a: c.a, k: c.k } : c);
      ctx.scope.refs.push(...own.refs);
      for (const r of own.rr ?? []) if (!(ctx.scope.rr ??= []).includes(r)) ctx.scope.rr.push(r);
      // a literal calls and reads nothing: no scope to keep
      if (own.jc!.length > 0 || own.refs.length > 0 || (own.rr?.length ?? 0) > 0) {
        const list = initialisers.get(cls);
        if (list) list.push(own);
        else initialisers.set(cls, [own]);
      }
    };

    const visit = (node: Node, ctx: Ctx): void => {
      if (TYPE_DECLS.has(node.type)) {
        if (typeDecl(node, ctx)) return;
      }
      const { scope, cls } = ctx;
      switch (node.type) {
        case 'package_declaration': {
          const n = node.namedChildren.find((c) => c !== null && (c.type === 'scoped_identifier' || c.type === 'identifier'));
          if (n) facts.package = n.text;
          return;
        }
        case 'import_declaration': {
          const n = node.namedChildren.find((c) => c !== null && (c.type === 'scoped_identifier' || c.type === 'identifier'));
          if (!n) return;
          const star = node.namedChildren.some((c) => c?.type === 'asterisk');
          const isStatic = /^import\s+static\b/.test(node.text);
          if (isStatic) {
            if (star) facts.jstatic!.push([n.text, '*']);
            else facts.jstatic!.push([n.text.split('.').slice(0, -1).join('.'), n.text.split('.').pop()!]);
          }
          facts.imports.push(star ? { local: '*', module: n.text, line: line(node) } : { local: n.text.split('.').pop()!, module: n.text, line: line(node) });
          return;
        }
        case 'method_declaration':
        case 'constructor_declaration':
        case 'compact_constructor_declaration': {
          if (!cls) break;
          const name = node.type === 'method_declaration' ? node.childForFieldName('name')?.text : '<init>';
          if (!name) break;
          const s: JavaScopeFacts = {
            name: `${cls}.${name}`,
            kind: 'method',
            start: line(node),
            end: endLine(node),
            className: cls,
            calls: [],
            refs: [],
            jc: [],
          };
          facts.scopes.push(s);
          const inner: Ctx = { scope: s, cls, locals: new Locals(ctx.locals), tparams: withTypeParams(node, ctx) };
          // a record's compact constructor (`Money { … }`) has no parameter list: it takes the
          // record header's components, so its arity and overload suffix are theirs
          let params = node.childForFieldName('parameters');
          if (node.type === 'compact_constructor_declaration') {
            const rec = node.parent?.parent;
            params = rec?.type === 'record_declaration' ? rec.childForFieldName('parameters') : null;
          }
          const pt: string[] = [];
          s.sig = declareParams(params, inner, pt);
          if (pt.length > 0) s.pt = pt;
          if (!node.childForFieldName('body') && node.type === 'method_declaration') s.abs = 1;
          if (node.childForFieldName('type_parameters')) s.gen = 1;
          const own = declared.get(cls);
          const entry: [JavaScopeFacts, string] = [s, parameterTypes(params)];
          if (own) own.push(entry);
          else declared.set(cls, [entry]);
          if (node.type === 'method_declaration') s.ret = typeText(node.childForFieldName('type'), inner) + (node.childForFieldName('dimensions') ? '[]' : '');
          classTypeVars(node, params, ctx, s);
          const body = node.childForFieldName('body');
          if (body) visit(body, inner);
          return;
        }
        case 'field_declaration':
        case 'constant_declaration': {
          if (cls) {
            for (const d of node.childrenForFieldName('declarator')) {
              const n = d?.childForFieldName('name');
              if (n) facts.bindings.push({ name: `${cls}.${n.text}`, start: line(node), end: endLine(node) });
            }
          }
          for (const d of node.childrenForFieldName('declarator')) {
            const v = d?.childForFieldName('value');
            const n = d?.childForFieldName('name')?.text;
            if (v && cls && n) fieldInitialiser(`${cls}.${n}`, v, node, ctx);
            else if (v) visit(v, ctx);
          }
          return;
        }
        case 'enum_constant': {
          const args = node.childForFieldName('arguments');
          if (args) visit(args, ctx);
          const body = node.childForFieldName('body');
          if (body && cls) {
            const local = typeDecl(body, ctx, { base: cls.split('.').pop()!, type: null });
            if (local) call(ctx, { r: null, n: local, a: 0, k: 'anon' });
          }
          return;
        }
        case 'local_variable_declaration': {
          const type = node.childForFieldName('type');
          for (const d of node.childrenForFieldName('declarator')) {
            const v = d?.childForFieldName('value') ?? null;
            if (v) visit(v, ctx);
            declare(d?.childForFieldName('name')?.text, type, v, ctx);
          }
          return;
        }
        case 'enhanced_for_statement': {
          const type = node.childForFieldName('type');
          const value = node.childForFieldName('value');
          if (value) visit(value, ctx);
          const name = node.childForFieldName('name')?.text;
          if (name) ctx.locals.set(name, type?.text === 'var' ? (value ? ['e', recv(value, ctx)] : ['t', '?']) : ['t', typeText(type, ctx)]);
          const body = node.childForFieldName('body');
          if (body) visit(body, ctx);
          return;
        }
        case 'resource': {
          const value = node.childForFieldName('value');
          if (value) visit(value, ctx);
          declare(node.childForFieldName('name')?.text, node.childForFieldName('type'), value, ctx);
          return;
        }
        case 'catch_formal_parameter': {
          const types = named(named(node).find((c) => c.type === 'catch_type') ?? null);
          const name = node.childForFieldName('name')?.text;
          if (name) ctx.locals.set(name, types.length === 1 ? ['t', typeText(types[0]!, ctx)] : ['t', '?']);
          return;
        }
        case 'instanceof_expression': {
          const left = node.childForFieldName('left');
          if (left) visit(left, ctx);
          const name = node.childForFieldName('name')?.text;
          if (name) ctx.locals.set(name, ['t', typeText(node.childForFieldName('right'), ctx)]);
          return;
        }
        case 'lambda_expression': {
          const inner: Ctx = { ...ctx, locals: new Locals(ctx.locals) };
          const params = node.childForFieldName('parameters');
          const one = params?.type === 'identifier' ? params : params?.type === 'inferred_parameters' && named(params).length === 1 ? named(params)[0]! : null;
          if (one) inner.locals.set(one.text, elementLambda?.[0] === node.id ? elementLambda[1] : ['t', '?']);
          else if (params) declareParams(params, inner);
          const body = node.childForFieldName('body');
          const start = ctx.scope.jc!.length;
          if (body) visit(body, inner);
          const t = targetOf(node, ctx);
          if (t) funObj(ctx, { t, b: [start, ctx.scope.jc!.length], p: one ? 1 : named(params).length });
          return;
        }
        case 'method_invocation': {
          const obj = node.childForFieldName('object');
          const name = node.childForFieldName('name')?.text;
          const args = node.childForFieldName('arguments');
          const r = obj ? recv(obj, ctx) : null;
          if (name) {
            const c: JavaCall = { r, n: name, a: arity(args) };
            if (RUNS_ARGUMENT.has(name)) {
              // an anonymous class is called where it is created: only the values it is handed by name
              const v = named(args).flatMap((a, i): [number, Recv][] =>
                VALUE_ARGUMENT.has(a.type) && !named(a).some((x) => x.type === 'class_body') ? [[i, recv(a, ctx)]] : [],
              );
              if (v.length > 0) c.v = v;
            }
            call(ctx, c);
          }
          // `xs.stream().filter(x -> …)`: the lambda's one parameter is an element of the receiver
          if (r && name && ELEMENT_LAMBDA.has(name)) for (const a of named(args)) if (a.type === 'lambda_expression') elementLambda = [a.id, ['e', r]];
          // a plain name or field path as receiver (`RATES.get(k)`) is kept apart from other
          // references: which of those fields count as read is the resolver's to say
          const c = obj ? chainOf(obj) : '';
          if (obj && (c === null || c.startsWith('?'))) visit(obj, ctx);
          else if (c && c !== 'this' && c !== 'super' && !ctx.locals.has(c.split('.')[0]!) && !(ctx.scope.rr ??= []).includes(c)) ctx.scope.rr.push(c);
          if (args) visit(args, ctx);
          return;
        }
        case 'explicit_constructor_invocation': {
          const ctor = node.childForFieldName('constructor');
          const args = node.childForFieldName('arguments');
          call(ctx, { r: ctor?.type === 'super' ? ['super'] : ['this'], n: '<init>', a: arity(args) });
          if (args) visit(args, ctx);
          return;
        }
        case 'object_creation_expression': {
          const t = typeText(node.childForFieldName('type'), ctx);
          const args = node.childForFieldName('arguments');
          const body = named(node).find((c) => c.type === 'class_body');
          if (!body || !cls) call(ctx, { r: null, n: t, a: arity(args), k: 'new' });
          if (args) visit(args, ctx);
          if (body && cls) {
            const local = typeDecl(body, ctx, { base: simpleType(node.childForFieldName('type')) ?? 'Object', type: node.childForFieldName('type') });
            // an anonymous class is a function object: its methods count as called where it is created
            if (local) call(ctx, { r: ['t', t], n: local, a: arity(args), k: 'anon' });
          }
          const skip = new Set([node.childForFieldName('type')?.id, args?.id, body?.id]);
          const outer = named(node).find((c) => !skip.has(c.id) && c.type !== 'type_arguments');
          if (outer) visit(outer, ctx);
          return;
        }
        case 'method_reference': {
          const parts = named(node).filter((c) => c.type !== 'type_arguments');
          const target = parts[0];
          const last = node.child(node.childCount - 1);
          const name = last?.type === 'new' ? 'new' : parts.length > 1 ? parts[parts.length - 1]!.text : null;
          if (!target || !name) return;
          let r: Recv;
          if (target.type === 'type_identifier' || target.type === 'generic_type' || target.type === 'scoped_type_identifier' || target.type === 'array_type')
            r = ['n', typeText(target, ctx).replace(/<.*$/, '')];
          else r = recv(target, ctx);
          // in a field's initialiser a reference it only holds (`Comparator<T> BY_DATE = T::date`) runs nothing
          call(
            ctx,
            ctx.scope.kind === 'binding' && node.parent?.type !== 'argument_list' ? { r, n: name, a: -1, k: 'ref', h: 1 } : { r, n: name, a: -1, k: 'ref' },
          );
          const t = targetOf(node, ctx);
          if (t) funObj(ctx, { t, i: ctx.scope.jc!.length - 1 });
          if (target.type !== 'identifier' && target.type !== 'this' && target.type !== 'super') visit(target, ctx);
          return;
        }
        case 'field_access': {
          const c = chainOf(node);
          if (c && !c.startsWith('?')) {
            if (!ctx.locals.has(c.split('.')[0]!)) scope.refs.push(c);
          } else {
            const o = node.childForFieldName('object');
            if (o) visit(o, ctx);
          }
          return;
        }
        case 'identifier':
          if (!ctx.locals.has(node.text)) scope.refs.push(node.text);
          return;
        case 'block':
        case 'switch_block':
        case 'for_statement': {
          // locals declared inside a block end with it
          const inner: Ctx = { ...ctx, locals: new Locals(ctx.locals) };
          for (const c of node.namedChildren) if (c) visit(c, inner);
          return;
        }
        default:
          break;
      }
      for (const c of node.namedChildren) if (c) visit(c, ctx);
    };
    visit(root, { scope: moduleScope, cls: null, locals: new Locals(), tparams: new Map() });
    return facts;
  });
}
