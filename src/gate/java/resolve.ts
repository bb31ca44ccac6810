import { ownEntry, pushTo, qualifiedName, type FileFacts } from '../facts.js';
import type { ResolutionTarget } from '../graph-builder.js';
import type { JavaCall, JavaClassFacts, JavaFileFacts, JavaFunObj, JavaScopeFacts, JavaTarget, Recv } from './extract.js';

/**
 * Cross-file resolution for Java, by type with class-hierarchy analysis (CHA).
 *
 * Type names resolve through the file's own classes, single-type imports, the same package,
 * on-demand imports, then any repository class of that simple name (java.lang names excepted).
 * A receiver's type comes from declarations (locals, parameters, fields up the class chain, `var`
 * initialisers, casts, `new`, method return types through chains); generics are erased except for
 * a small model of library containers (`List<Foo>.get` → Foo, `Map<K, V>.values()` → Collection<V>,
 * streams and Optional keep their element type). A call on a receiver of type T reaches, for T and
 * every repository subtype S of T, the method S's instances run (its own or the nearest inherited
 * one), among its overloads those whose parameter count accepts the call's argument count (all of
 * them when none does, or for a method reference). Generics being invariant, a receiver's concrete
 * type arguments rule out a subtype that passes T a concrete argument of another erasure at the
 * same position (through generic classes between them by substitution); anything not known to
 * differ (raw types, wildcards, type variables, another arity) keeps S. A type outside the
 * repository reaches the methods of its repository subtypes (by the same rule); a JDK or common
 * library type without any reaches nothing. Only a receiver of unknown type (an untyped
 * lambda parameter, a generic return, an unmodelled library value) falls back to the methods of
 * that name whose arity fits and whose class (or one of its supertypes) is visible from the file:
 * its package, its imports. Those edges are recorded as name-only.
 */

/**
 * A receiver's type arguments as dispatch compares them: each argument's erased simple name when it
 * is one concrete type, null when it is not (a wildcard, a type variable).
 */
type TypeArgs = (string | null)[];

/**
 * What a receiver evaluates to (`targs`: its declared type's arguments, when it has any; for a
 * repository type also `args`, their texts as written in file `af`, which replace the class's type
 * parameters in what its methods return and take).
 */
type Val =
  | { k: 'repo'; ids: string[]; targs?: TypeArgs; args?: string[]; af?: JavaFileFacts }
  | { k: 'static'; ids: string[] }
  | { k: 'ext'; name: string; args: string[]; f: JavaFileFacts; targs?: TypeArgs }
  | { k: 'staticExt'; name: string }
  | { k: 'array'; elem: string; f: JavaFileFacts }
  | { k: 'unknown' }
  | { k: 'opaque' };

const UNKNOWN: Val = { k: 'unknown' };
const OPAQUE: Val = { k: 'opaque' };

/** Implicitly imported names: a repository class of the same simple name does not capture them. */
const JAVA_LANG = new Set(
  'String Object Integer Long Short Byte Double Float Boolean Character Number Math StrictMath System Thread Runnable Exception RuntimeException Error Throwable Iterable Comparable CharSequence StringBuilder StringBuffer Class Enum Void Record AutoCloseable Override Deprecated SuppressWarnings FunctionalInterface SafeVarargs IllegalArgumentException IllegalStateException NullPointerException UnsupportedOperationException IndexOutOfBoundsException ClassCastException ArithmeticException InterruptedException CloneNotSupportedException Cloneable Process Runtime ThreadLocal InheritableThreadLocal ClassLoader StackTraceElement'.split(
    ' ',
  ),
);

/**
 * JDK and common library types whose methods never run repository code unless a repository class
 * extends them (then CHA over those classes applies): calls on them reach no repository method.
 */
const CLOSED = new Set(
  [
    ...JAVA_LANG,
    ...'BigDecimal BigInteger UUID Optional OptionalInt OptionalLong OptionalDouble List ArrayList LinkedList CopyOnWriteArrayList Set HashSet LinkedHashSet TreeSet SortedSet NavigableSet EnumSet Map HashMap LinkedHashMap TreeMap SortedMap NavigableMap ConcurrentHashMap ConcurrentMap EnumMap WeakHashMap IdentityHashMap Hashtable Vector Stack Collection Iterator ListIterator Enumeration Queue Deque ArrayDeque PriorityQueue BlockingQueue LinkedBlockingQueue ArrayBlockingQueue Stream IntStream LongStream DoubleStream Collectors Collections Arrays Objects Entry StringJoiner Scanner'.split(
      ' ',
    ),
    ...'ImmutableList ImmutableSet ImmutableMap ImmutableSortedSet ImmutableSortedMap ImmutableCollection ImmutableMultimap ImmutableListMultimap Multimap ListMultimap SetMultimap ArrayListMultimap HashMultimap LinkedListMultimap LinkedHashMultimap Multiset HashMultiset Table HashBasedTable BiMap HashBiMap Lists Sets Maps Iterables Iterators Collections2 Joiner Splitter Strings Preconditions MoreObjects Ordering Range FluentIterable Function Predicate Suppliers Functions Predicates Optional Throwables Stopwatch CharMatcher'.split(
      ' ',
    ),
    ...'DateTime LocalDate LocalDateTime LocalTime Instant Duration Period ZonedDateTime OffsetDateTime ZoneId ZoneOffset DateTimeZone DateTimeFormatter ISODateTimeFormat Date Calendar GregorianCalendar TimeZone TimeUnit ChronoUnit Clock'.split(
      ' ',
    ),
    ...'AtomicInteger AtomicLong AtomicBoolean AtomicReference AtomicIntegerArray LongAdder CountDownLatch Semaphore ReentrantLock ReadWriteLock ReentrantReadWriteLock Lock Condition CompletableFuture Executors ExecutorService ScheduledExecutorService Executor'.split(
      ' ',
    ),
    ...'Pattern Matcher Logger LoggerFactory Log LogFactory MDC File Path Paths Files InputStream OutputStream Reader Writer PrintWriter PrintStream StringWriter StringReader BufferedReader BufferedWriter ByteArrayOutputStream ByteArrayInputStream FileInputStream FileOutputStream InputStreamReader OutputStreamWriter Charset StandardCharsets Locale Currency Random SecureRandom Properties ResultSet PreparedStatement Connection Statement DataSource Timestamp URI URL URLEncoder URLDecoder Base64 MessageDigest ObjectMapper JsonNode ObjectNode ArrayNode Response Status MediaType'.split(
      ' ',
    ),
  ].filter(
    (n) =>
      n !== 'Function' &&
      n !== 'Predicate' &&
      n !== 'Clock' &&
      n !== 'Runnable' &&
      n !== 'Iterable' &&
      n !== 'Comparable' &&
      n !== 'AutoCloseable' &&
      n !== 'Executor',
  ),
);

/** Library accessors that return an element: the receiver's last type argument (`List<T>.get` → T, `Map<K, V>.get` → V). */
const ELEMENT = new Set(
  'get getOrDefault remove put putIfAbsent computeIfAbsent computeIfPresent compute merge replace orElse orElseGet orElseThrow or next previous poll pollFirst pollLast peekFirst peekLast pop take element first last getFirst getLast firstElement lastElement call apply getNow join getOnlyElement'.split(
    ' ',
  ),
);
/** Library methods returning the same container type with the same type arguments. */
const SAME = new Set(
  'iterator listIterator stream parallelStream filter sorted distinct limit skip subList descendingIterator headSet tailSet subSet unmodifiableList sequential parallel unordered onClose reversed asList toList'.split(
    ' ',
  ),
);
/** Static library calls that pass a value through (`checkNotNull(x)` is x): their result is unknown, not a library value. */
const PASS_THROUGH = new Set(
  'checkNotNull requireNonNull requireNonNullElse firstNonNull getFirst getLast getOnlyElement find tryFind get max min cast valueOf'.split(' '),
);

/**
 * Splits `Map<String,List<Foo>>` into ['Map', ['String', 'List<Foo>']]. The extractor marks a type
 * argument that is no one type (a type variable, a wildcard) with a leading `~` before its erasure:
 * `args` drops the mark (every use but dispatch takes the erasure), `targs` keeps the difference.
 */
function parseType(text: string): { name: string; args: string[]; array: boolean; targs?: TypeArgs } {
  const t = splitType(text);
  if (t.args.length === 0) return { name: t.name, args: t.args, array: t.array };
  return {
    name: t.name,
    args: t.args.map((a) => (a.startsWith('~') ? a.slice(1) : a)),
    array: t.array,
    targs: t.args.map((a) => (a.startsWith('~') || a === '?' ? null : erasedName(a))),
  };
}

/** A concrete type's erasure as a simple name: `a.b.Foo<X>` → Foo, `Map.Entry<K,V>[][]` → Entry[]. */
function erasedName(text: string): string {
  let t = text;
  for (let prev = ''; prev !== t;) {
    prev = t;
    t = t.replace(/<[^<>]*>/g, '');
  }
  // every array dimension as one `[]`, as the extractor writes them
  return t
    .split('.')
    .pop()!
    .replace(/(\[\])+$/, '[]');
}

function splitType(text: string): { name: string; args: string[]; array: boolean } {
  if (text.endsWith('[]')) return { name: text.slice(0, -2), args: [], array: true };
  const lt = text.indexOf('<');
  if (lt < 0) return { name: text, args: [], array: false };
  const name = text.slice(0, lt);
  const inner = text.slice(lt + 1, text.lastIndexOf('>'));
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '<') depth++;
    else if (ch === '>') depth--;
    else if (ch === ',' && depth === 0) {
      args.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  if (inner.length > 0) args.push(inner.slice(start));
  return { name, args, array: false };
}

const PRIMITIVE = new Set(['int', 'long', 'short', 'byte', 'char', 'boolean', 'float', 'double', 'void']);

/**
 * Library functional interfaces, by simple name, and the name of the one method a call runs the
 * converted function through: java.util.function's, Runnable, Callable, Comparator (Guava's
 * Function, Supplier and Predicate share the simple names; its Predicate's method is `apply`).
 */
const LIBRARY_SAM = new Map<string, Set<string>>(
  [
    ...'Function BiFunction UnaryOperator BinaryOperator IntFunction LongFunction DoubleFunction'.split(' ').map((n) => [n, 'apply'] as const),
    ...'ToIntFunction ToIntBiFunction IntUnaryOperator IntBinaryOperator LongToIntFunction DoubleToIntFunction'
      .split(' ')
      .map((n) => [n, 'applyAsInt'] as const),
    ...'ToLongFunction ToLongBiFunction LongUnaryOperator LongBinaryOperator IntToLongFunction DoubleToLongFunction'
      .split(' ')
      .map((n) => [n, 'applyAsLong'] as const),
    ...'ToDoubleFunction ToDoubleBiFunction DoubleUnaryOperator DoubleBinaryOperator IntToDoubleFunction LongToDoubleFunction'
      .split(' ')
      .map((n) => [n, 'applyAsDouble'] as const),
    ...'Supplier IntSupplier:getAsInt LongSupplier:getAsLong DoubleSupplier:getAsDouble BooleanSupplier:getAsBoolean'
      .split(' ')
      .map((n) => [n.split(':')[0]!, n.split(':')[1] ?? 'get'] as const),
    ...'Consumer BiConsumer IntConsumer LongConsumer DoubleConsumer ObjIntConsumer ObjLongConsumer ObjDoubleConsumer'
      .split(' ')
      .map((n) => [n, 'accept'] as const),
    ...'Predicate:test:apply BiPredicate:test IntPredicate:test LongPredicate:test DoublePredicate:test Runnable:run Callable:call Comparator:compare'
      .split(' ')
      .map((n) => [n.split(':')[0]!, n.split(':').slice(1).join(':')] as const),
  ].map(([n, m]) => [n, new Set(m.split(':'))]),
);
/** Library functional interfaces extending another with their type argument repeated: a value of one is a value of the other. */
const LIBRARY_SAM_ALSO = new Map<string, [string, number[]]>([
  ['UnaryOperator', ['Function', [0, 0]]],
  ['BinaryOperator', ['BiFunction', [0, 0, 0]]],
]);
/** Library methods that store their last argument into the receiver as an element (`map.put(k, v)`, `list.add(v)`). */
const STORE = new Set('put putIfAbsent add addFirst addLast push offer offerFirst offerLast set replace'.split(' '));
/** Methods of Object an interface may redeclare abstract without ceasing to be functional (Comparator's equals). */
const OBJECT_METHODS = new Set(['equals', 'hashCode', 'toString']);

/**
 * A call of a library functional interface's method: the interface's simple name, its type
 * arguments when known, the argument count; `repo`, when the receiver is of a repository interface
 * extending it (`interface FeeFn extends Function<…>`), that interface: only what was converted to
 * it or an interface below it is a value of it.
 */
type SamCall = { name: string; targs?: TypeArgs; a: number; repo?: string };
/** What a lambda or method reference converted to a library functional interface runs when called through it. */
type LibraryConversion = {
  targs?: TypeArgs;
  /** A lambda's parameter count, -1 for a method reference. */
  p: number;
  /** Methods it runs, and whether each was found by name only. */
  targets: Map<string, boolean>;
  /** Calls of library functional interfaces in a lambda's body: what they reach, it reaches. */
  inner: SamCall[];
  /**
   * Converted to a parameter of a generic method (`<E, J> … page(…, Function<E, J> toJson)`): a
   * type argument not known here is one the compiler infers per call, so only a call whose own type
   * argument there is not known either (the generic code the value was handed to) takes it.
   */
  inferred?: true;
  /** Converted to a repository interface whose method is the library one's: that interface. */
  repo?: string;
};

export function resolveJava(files: Map<string, FileFacts>, g: ResolutionTarget): void {
  const byQualified = new Map<string, string>();
  const bySimple = new Map<string, string[]>();
  const byPackage = new Map<string, Map<string, string>>();
  const methodsByName = new Map<string, string[]>();
  const q = qualifiedName;
  /** Per class id: its file, local name, fields. */
  const classInfo = new Map<string, { f: JavaFileFacts; local: string; fields: Record<string, string>; kind?: string }>();
  /** Per class id: its methods (every overload). */
  const classMethods = new Map<string, string[]>();
  /** Per method id: parameter counts and declared return type (an overload after the first has an id of its own: extract.ts). */
  const methodInfo = new Map<
    string,
    {
      sigs: [number, number][];
      rets: string[];
      f: JavaFileFacts;
      params: { pt: string[]; va: boolean; gen: boolean; tv?: number[] }[];
      abs: boolean;
      /** Declarations returning a bare type parameter of their class: its index (see JavaScopeFacts.rv). */
      rv?: number;
    }
  >();
  /** Per method id: its class and the method's name (`<init>` for a constructor). */
  const methodOf = new Map<string, { cls: string; member: string }>();
  /** Per `class id\0name`: the overloads the class declares, in source order. */
  const declarations = new Map<string, string[]>();
  for (const [, raw] of files) {
    const f = raw as JavaFileFacts;
    const pkg = f.package ?? '';
    let pm = byPackage.get(pkg);
    if (!pm) byPackage.set(pkg, (pm = new Map<string, string>()));
    for (const c of f.classes) {
      const id = q(f, c.name);
      byQualified.set(pkg ? `${pkg}.${c.name}` : c.name, id);
      if (!/\.\d+$/.test(c.name) && !/\.\d+\./.test(c.name)) pushTo(bySimple, c.name.split('.').pop()!, id);
      if (!c.name.includes('.')) pm.set(c.name, id);
      classInfo.set(id, { f, local: c.name, fields: ownEntry(f.jfields, c.name) ?? {}, kind: c.kind });
    }
    for (const s of f.scopes as JavaScopeFacts[]) {
      if (s.kind !== 'method') continue;
      const id = q(f, s.name);
      const member = (s.className ? s.name.slice(s.className.length + 1) : s.name.split('.').pop()!).replace(/\(.*$/, '');
      if (!methodInfo.has(id)) {
        pushTo(methodsByName, member, id);
        if (s.className) {
          const cls = q(f, s.className);
          pushTo(classMethods, cls, id);
          pushTo(declarations, `${cls}\0${member}`, id);
          methodOf.set(id, { cls, member });
        }
      }
      let mi = methodInfo.get(id);
      if (!mi) methodInfo.set(id, (mi = { sigs: [], rets: [], f, params: [], abs: false }));
      if (Array.isArray(s.sig)) mi.sigs.push(s.sig);
      if (typeof s.ret === 'string') mi.rets.push(s.ret);
      const params: { pt: string[]; va: boolean; gen: boolean; tv?: number[] } = {
        pt: Array.isArray(s.pt) ? s.pt : [],
        va: Array.isArray(s.sig) && s.sig[1] < 0,
        gen: s.gen === 1,
      };
      if (Array.isArray(s.tv)) params.tv = s.tv;
      mi.params.push(params);
      if (typeof s.rv === 'number') mi.rv = s.rv;
      if (s.abs === 1) mi.abs = true;
    }
  }

  const typeMemo = new Map<FileFacts, Map<string, string[]>>();
  const resolveType = (f: FileFacts, name: string): string[] => {
    let memo = typeMemo.get(f);
    if (!memo) typeMemo.set(f, (memo = new Map<string, string[]>()));
    let r = memo.get(name);
    if (!r) memo.set(name, (r = resolveTypeUncached(f, name)));
    return r;
  };
  const resolveTypeUncached = (f: FileFacts, name: string): string[] => {
    if (name.includes('.')) {
      const exact = byQualified.get(name);
      if (exact) return [exact];
      const local = f.classes.find((c) => c.name === name);
      if (local) return [q(f, local.name)];
      // Outer.Inner with Outer resolved like a simple name
      const dot = name.indexOf('.');
      const outer = resolveType(f, name.slice(0, dot));
      const nested = outer.map((o) => `${o}.${name.slice(dot + 1)}`).filter((id) => classInfo.has(id));
      return nested;
    }
    const own = f.classes.find((c) => c.name === name || c.name.endsWith(`.${name}`));
    if (own) return [q(f, own.name)];
    for (const imp of f.imports)
      if (imp.local === name) {
        const id = byQualified.get(imp.module);
        return id ? [id] : [];
      }
    const same = byPackage.get(f.package ?? '')?.get(name);
    if (same) return [same];
    for (const imp of f.imports)
      if (imp.local === '*') {
        const id = byQualified.get(`${imp.module}.${name}`);
        if (id) return [id];
      }
    if (JAVA_LANG.has(name)) return [];
    if (/^[A-Z]/.test(name)) return bySimple.get(name) ?? [];
    return [];
  };

  const bases = new Map<string, string[]>();
  const extBases = new Map<string, string[]>();
  /**
   * A direct supertype of a class (a repository class id, or the simple name of an external type)
   * with the type arguments the class passes it (see JavaClassFacts; [] for none). Recorded only for
   * classes that pass some base type arguments: any other class passes none.
   */
  type Link = { to: string; ext: boolean; args: string[] };
  const links = new Map<string, Link[]>();
  const subclasses = new Map<string, string[]>();
  /** Simple name of a type outside the repository → repository classes extending/implementing it. */
  const extSubclasses = new Map<string, string[]>();
  for (const [, f] of files) {
    for (const c of f.classes) {
      const id = q(f, c.name);
      const resolved: string[] = [];
      const ext: string[] = [];
      for (const b of c.bases) {
        const r = resolveType(f, b);
        if (r.length > 0) resolved.push(...r);
        else {
          ext.push(b);
          pushTo(extSubclasses, b, id);
        }
      }
      bases.set(id, resolved);
      extBases.set(id, ext);
      for (const b of resolved) pushTo(subclasses, b, id);
      const targs = (c as JavaClassFacts).targs;
      if (Array.isArray(targs) && targs.length === c.bases.length) {
        const l: Link[] = [];
        c.bases.forEach((b, i) => {
          const given = targs[i];
          const a = Array.isArray(given) ? given : [];
          const r = resolveType(f, b);
          if (r.length === 0) l.push({ to: b, ext: true, args: a });
          else for (const to of r) l.push({ to, ext: false, args: a });
        });
        links.set(id, l);
      }
    }
  }

  /** Whether a method accepts `arity` arguments (-1: unknown, as for a method reference). */
  const arityFits = (id: string, arity: number): boolean => {
    if (arity < 0) return true;
    const sigs = methodInfo.get(id)?.sigs ?? [];
    return sigs.length === 0 || sigs.some(([min, max]) => arity === min || (max < 0 && arity >= min));
  };
  /** The overloads of `member` that accept `arity` arguments; all of them when none does (recall first). */
  const fitting = (ids: string[], arity: number): string[] => {
    if (arity < 0 || ids.length === 0) return ids;
    const fit = ids.filter((id) => arityFits(id, arity));
    return fit.length > 0 ? fit : ids;
  };
  /** The methods and constructors `cls` itself declares for `member`. */
  const declared = (cls: string, member: string): string[] => (declarations.get(`${cls}\0${member}`) ?? []).filter((id) => g.kindOf(id) === 'method');
  const lookupMemo = new Map<string, string[]>();
  /**
   * The declaration(s) an instance of `cls` runs for `member` called with `arity` arguments: its
   * own overloads that accept them, else the nearest inherited ones that do (a subclass's overload
   * of another parameter count does not hide its superclass's; one of the same count does, as
   * argument types are not compared); when none up the chain accepts them, the nearest
   * declarations of that name whatever their parameters.
   */
  const lookup = (cls: string, member: string, kind: 'method' | 'binding' = 'method', arity = -1): string[] => {
    const key = `${cls}\0${member}\0${kind}\0${arity}`;
    let r = lookupMemo.get(key);
    if (r) return r;
    r = [];
    let nearest: string[] | undefined;
    const seen = new Set<string>();
    let level = [cls];
    while (level.length > 0 && r.length === 0) {
      const next: string[] = [];
      let any: string[] = [];
      for (const c of level) {
        if (seen.has(c)) continue;
        seen.add(c);
        if (kind === 'binding') {
          if (g.kindOf(`${c}.${member}`) === kind) r.push(`${c}.${member}`);
          else next.push(...(bases.get(c) ?? []));
          continue;
        }
        const own = declared(c, member);
        const fit = arity < 0 ? own : own.filter((id) => arityFits(id, arity));
        any = any.concat(own);
        if (fit.length > 0) r.push(...fit);
        else next.push(...(bases.get(c) ?? []));
      }
      if (any.length > 0) nearest ??= any;
      level = next;
    }
    if (r.length === 0 && nearest) r = nearest;
    lookupMemo.set(key, r);
    return r;
  };
  const subtypesMemo = new Map<string, string[]>();
  /** `cls` and every repository class below it. */
  const subtypes = (cls: string): string[] => {
    let r = subtypesMemo.get(cls);
    if (r) return r;
    const seen = new Set<string>([cls]);
    const stack = [cls];
    while (stack.length > 0)
      for (const s of subclasses.get(stack.pop()!) ?? [])
        if (!seen.has(s)) {
          seen.add(s);
          stack.push(s);
        }
    subtypesMemo.set(cls, (r = [...seen]));
    return r;
  };
  const subtypesSetMemo = new Map<string, Set<string>>();
  const subtypesSet = (cls: string): Set<string> => {
    let r = subtypesSetMemo.get(cls);
    if (!r) subtypesSetMemo.set(cls, (r = new Set(subtypes(cls))));
    return r;
  };
  const dispatchMemo = new Map<string, string[]>();
  /**
   * CHA: what a call of `member` with `arity` arguments on a receiver of static type `cls` may run;
   * `targs` the receiver's type arguments, which rule out the subtypes that pass `cls` others.
   */
  const dispatch = (cls: string, member: string, arity = -1, targs?: TypeArgs): string[] => {
    const allowed = targs ? allowedBelow(cls, false, targs) : undefined;
    const key = allowed ? `${cls}\0${member}\0${arity}\0${targsKey(targs!)}` : `${cls}\0${member}\0${arity}`;
    let r = dispatchMemo.get(key);
    if (r) return r;
    const out = new Set<string>(lookup(cls, member, 'method', arity));
    if (allowed) {
      for (const s of allowed) for (const m of lookup(s, member, 'method', arity)) out.add(m);
      dispatchMemo.set(key, (r = [...out]));
      return r;
    }
    const subs = subtypes(cls);
    const decls = methodsByName.get(member) ?? [];
    if (subs.length <= decls.length) for (const s of subs) for (const m of lookup(s, member, 'method', arity)) out.add(m);
    else {
      // many subtypes: go from the declarations instead (one in a subtype, or inherited by one)
      const below = subtypesSet(cls);
      const found: string[] = [];
      for (const d of decls) {
        const dc = methodOf.get(d)?.cls;
        if (dc === undefined || g.kindOf(d) !== 'method') continue;
        if (below.has(dc) || subtypes(dc).some((x) => below.has(x))) found.push(d);
      }
      for (const d of fitting(found, arity)) out.add(d);
    }
    dispatchMemo.set(key, (r = [...out]));
    return r;
  };
  const extDispatch = (name: string, member: string, arity: number, targs?: TypeArgs): string[] => {
    const out = new Set<string>();
    const allowed = targs ? allowedBelow(name, true, targs) : undefined;
    if (allowed) for (const s of allowed) for (const m of lookup(s, member, 'method', arity)) out.add(m);
    else for (const s of extSubclasses.get(name) ?? []) for (const m of dispatch(s, member, arity)) out.add(m);
    return [...out];
  };
  const targsKey = (targs: TypeArgs): string => targs.map((a) => a ?? '~').join(',');
  /** Whether `cls` is `to` or below it (`ext`: `to` is the simple name of a type outside the repository). */
  const reaches = (cls: string, to: string, ext: boolean): boolean => (ext ? ancestors(cls).ext.has(to) : ancestors(cls).repo.has(to));
  /**
   * The type arguments `cls` gives the supertype `to`, one list per way up (null: raw on that way,
   * nothing known): each an erased simple name, `~N` for `cls`'s own N-th type parameter, null
   * when not concrete. Along a way up through a generic class (`D<T> implements C<T>`, `S extends
   * D<X>`), a type parameter is replaced by what the class below passes for it.
   */
  const argsToMemo = new Map<string, ((string | null)[] | null)[]>();
  const argsOnWay = new Set<string>();
  const argsTo = (cls: string, to: string, ext: boolean): ((string | null)[] | null)[] => {
    const key = `${cls}\0${ext ? 'e' : 'r'}\0${to}`;
    const memo = argsToMemo.get(key);
    if (memo) return memo;
    // a cycle of supertypes (broken code, or a name resolved to the wrong class): nothing known
    if (argsOnWay.has(key)) return [null];
    argsOnWay.add(key);
    const out: ((string | null)[] | null)[] = [];
    const ls = links.get(cls);
    if (!ls) {
      // passes no base any type argument: raw wherever `to` is reached directly, else through its bases
      if (ext ? (extBases.get(cls) ?? []).includes(to) : (bases.get(cls) ?? []).includes(to)) out.push(null);
      for (const b of bases.get(cls) ?? [])
        if (!(!ext && b === to) && reaches(b, to, ext)) for (const v of argsTo(b, to, ext)) out.push(v && v.map((a) => (a?.startsWith('~') ? null : a)));
    } else {
      for (const l of ls) {
        const own = (a: string): string | null => (a === '~' ? null : a);
        if (l.ext === ext && l.to === to) out.push(l.args.length > 0 ? l.args.map(own) : null);
        else if (!l.ext && reaches(l.to, to, ext))
          for (const v of argsTo(l.to, to, ext))
            out.push(
              v &&
                v.map((a) => {
                  if (a === null || !a.startsWith('~')) return a;
                  // the class above's own parameter: what this class passes for it (raw: nothing known)
                  const x = l.args[Number(a.slice(1))];
                  return x === undefined ? null : own(x);
                }),
            );
      }
    }
    argsOnWay.delete(key);
    argsToMemo.set(key, out);
    return out;
  };
  /** Whether a subtype, which passes `to` the arguments of each of `ways`, cannot be a value of `to<targs>`. */
  const conflicts = (ways: ((string | null)[] | null)[], targs: TypeArgs): boolean =>
    ways.length > 0 &&
    ways.every((v) => v !== null && v.length === targs.length && v.some((a, i) => a !== null && !a.startsWith('~') && targs[i] !== null && a !== targs[i]));
  const allowedMemo = new Map<string, string[] | null>();
  /**
   * The repository classes below `to` (a class id, or the simple name of an external type when
   * `ext`) that a receiver of type `to<targs>` may be: Java generics are invariant, so a class that
   * passes `to` a concrete argument whose erasure differs from the receiver's at the same position
   * is not one. Undefined when that rules out none (dispatch goes its usual way).
   */
  const allowedBelow = (to: string, ext: boolean, targs: TypeArgs): string[] | undefined => {
    if (targs.every((a) => a === null)) return undefined;
    const key = `${ext ? 'e' : 'r'}\0${to}\0${targsKey(targs)}`;
    let r = allowedMemo.get(key);
    if (r === undefined) {
      const below = ext ? [...new Set((extSubclasses.get(to) ?? []).flatMap((s) => subtypes(s)))] : subtypes(to);
      const kept = below.filter((s) => (!ext && s === to) || !conflicts(argsTo(s, to, ext), targs));
      allowedMemo.set(key, (r = kept.length === below.length ? null : kept));
    }
    return r ?? undefined;
  };
  const ancestorsMemo = new Map<string, { repo: Set<string>; ext: Set<string> }>();
  const ancestors = (cls: string): { repo: Set<string>; ext: Set<string> } => {
    let r = ancestorsMemo.get(cls);
    if (r) return r;
    r = { repo: new Set([cls]), ext: new Set() };
    const stack = [cls];
    while (stack.length > 0) {
      const c = stack.pop()!;
      for (const e of extBases.get(c) ?? []) r.ext.add(e);
      for (const b of bases.get(c) ?? [])
        if (!r.repo.has(b)) {
          r.repo.add(b);
          stack.push(b);
        }
    }
    ancestorsMemo.set(cls, r);
    return r;
  };

  /** Top-level classes a file can name without qualification, and the external simple names it imports. */
  const visibleMemo = new Map<FileFacts, { repo: Set<string>; ext: Set<string>; extStar: boolean }>();
  const topOf = (id: string): string => {
    const info = classInfo.get(id);
    return info ? q(info.f, info.local.split('.')[0]!) : id;
  };
  const visible = (f: FileFacts): { repo: Set<string>; ext: Set<string>; extStar: boolean } => {
    let v = visibleMemo.get(f);
    if (v) return v;
    v = { repo: new Set(byPackage.get(f.package ?? '')?.values() ?? []), ext: new Set(), extStar: false };
    for (const c of f.classes) v.repo.add(topOf(q(f, c.name)));
    for (const imp of f.imports) {
      if (imp.local === '*') {
        const pm = byPackage.get(imp.module);
        if (pm) for (const id of pm.values()) v.repo.add(id);
        else {
          const cls = byQualified.get(imp.module);
          if (cls) v.repo.add(topOf(cls));
          else v.extStar = true;
        }
      } else {
        const id = byQualified.get(imp.module);
        if (id) v.repo.add(topOf(id));
        else v.ext.add(imp.local);
      }
    }
    visibleMemo.set(f, v);
    return v;
  };
  /** Per candidate method: the top-level classes of its class and supertypes, and its external supertypes. */
  const candMemo = new Map<string, { tops: string[]; ext: string[] }>();
  const candOf = (id: string, member: string): { tops: string[]; ext: string[] } => {
    let r = candMemo.get(id);
    if (!r) {
      const a = ancestors(methodOf.get(id)?.cls ?? id.slice(0, id.length - member.length - 1));
      r = { tops: [...new Set([...a.repo].map(topOf))], ext: [...a.ext] };
      candMemo.set(id, r);
    }
    return r;
  };
  /** Per method name: its declarations indexed by every top-level class and external type they can arrive through. */
  const nameIndex = new Map<string, { byTop: Map<string, string[]>; byExt: Map<string, string[]>; withExt: string[] }>();
  const indexOf = (member: string): { byTop: Map<string, string[]>; byExt: Map<string, string[]>; withExt: string[] } => {
    let ix = nameIndex.get(member);
    if (ix) return ix;
    ix = { byTop: new Map(), byExt: new Map(), withExt: [] };
    for (const id of methodsByName.get(member) ?? []) {
      const c = candOf(id, member);
      for (const t of c.tops) pushTo(ix.byTop, t, id);
      for (const e of c.ext) pushTo(ix.byExt, e, id);
      if (c.ext.length > 0) ix.withExt.push(id);
    }
    nameIndex.set(member, ix);
    return ix;
  };
  const byNameMemo = new Map<FileFacts, Map<string, string[]>>();
  /**
   * The name-only fallback: methods called `member` whose arity fits and whose class, or one of its
   * supertypes, is visible from `f` (a value of a type the file cannot name can still arrive through
   * a visible supertype). `needExt`: only classes with a supertype outside the repository (the
   * receiver is of such a type).
   */
  const byName = (f: FileFacts, member: string, arity: number, needExt: boolean): string[] => {
    let memo = byNameMemo.get(f);
    if (!memo) byNameMemo.set(f, (memo = new Map<string, string[]>()));
    const key = `${member}/${arity}/${needExt ? 1 : 0}`;
    let r = memo.get(key);
    if (r) return r;
    const v = visible(f);
    const out = new Set<string>();
    const ix = indexOf(member);
    if (v.extStar) for (const id of ix.withExt) out.add(id);
    for (const [e, ids] of ix.byExt) if (v.ext.has(e)) for (const id of ids) out.add(id);
    if (ix.byTop.size < v.repo.size) {
      for (const [t, ids] of ix.byTop) if (v.repo.has(t)) for (const id of ids) out.add(id);
    } else for (const t of v.repo) for (const id of ix.byTop.get(t) ?? []) out.add(id);
    r = [...out].filter((id) => arityFits(id, arity) && (!needExt || candOf(id, member).ext.length > 0));
    memo.set(key, r);
    return r;
  };

  /** The value of a declared type, named in file `f`. */
  const valOfType = (text: string, f: JavaFileFacts): Val => {
    if (text === '?' || text === 'Object') return UNKNOWN;
    if (PRIMITIVE.has(text)) return OPAQUE;
    const t = parseType(text);
    if (t.array) return { k: 'array', elem: t.name, f };
    const ids = resolveType(f, t.name);
    if (ids.length > 0) return t.targs ? { k: 'repo', ids, targs: t.targs, args: t.args, af: f } : { k: 'repo', ids };
    return t.targs
      ? { k: 'ext', name: t.name.split('.').pop()!, args: t.args, f, targs: t.targs }
      : { k: 'ext', name: t.name.split('.').pop()!, args: t.args, f };
  };
  const mergeVals = (vals: Val[]): Val => {
    const ids = new Set<string>();
    const repo = vals.filter((v): v is Extract<Val, { k: 'repo' }> => v.k === 'repo');
    for (const v of repo) v.ids.forEach((i) => ids.add(i));
    // type arguments survive only when every value of a repository type has the same ones
    const targs = repo[0]?.targs;
    if (repo.length === 1) return repo[0]!;
    if (ids.size > 0)
      return targs && repo.every((v) => v.targs && targsKey(v.targs) === targsKey(targs)) ? { k: 'repo', ids: [...ids], targs } : { k: 'repo', ids: [...ids] };
    return vals.find((v) => v.k !== 'opaque' && v.k !== 'unknown') ?? vals.find((v) => v.k === 'unknown') ?? (vals.length > 0 ? OPAQUE : UNKNOWN);
  };
  /**
   * What a call of `targets` returns; on receiver `on`, a declaration of its class returning the
   * class's type parameter returns the receiver's type argument there (`Registry<Fee>.get` → Fee).
   */
  const returnOf = (targets: string[], on?: Val): Val => {
    const vals: Val[] = [];
    for (const t of targets) {
      const mi = methodInfo.get(t);
      if (!mi) continue;
      const bound = mi.rv !== undefined ? typeArgOf(on, t, mi.rv) : undefined;
      if (bound) vals.push(bound);
      else for (const r of mi.rets) vals.push(valOfType(r, mi.f));
    }
    return vals.length > 0 ? mergeVals(vals) : UNKNOWN;
  };
  /** The receiver's type argument for the `i`-th type parameter of the class declaring `method`, when the receiver is of that class. */
  const typeArgOf = (on: Val | undefined, method: string, i: number): Val | undefined => {
    if (on?.k !== 'repo' || !on.args || !on.af) return undefined;
    const cls = methodOf.get(method)?.cls;
    const a = on.args[i];
    if (cls === undefined || a === undefined || !on.ids.includes(cls)) return undefined;
    // an argument that says nothing (`Registry<?>`, a self-type's bound run out) keeps the declaration's own bound
    const v = valOfType(a, on.af);
    return v.k === 'unknown' ? undefined : v;
  };
  /** A field `name` of class `cls` or its superclasses: its declared type. */
  const fieldOf = (cls: string, name: string): Val | undefined => {
    for (const c of ancestors(cls).repo) {
      const info = classInfo.get(c);
      const t = ownEntry(info?.fields, name);
      if (t !== undefined) return valOfType(t, info!.f);
    }
    return undefined;
  };
  /** The library model: what a call on a value of an external type returns. */
  const libCall = (v: { name: string; args: string[]; f: JavaFileFacts; targs?: TypeArgs }, member: string): Val => {
    const { name, args, f } = v;
    /** An argument written into a new type text, marked again when it may not be one concrete type. */
    const marked = (i: number): string => (v.targs?.[i] === null || v.targs === undefined ? '~' : '') + args[i]!;
    if (name === 'Stream' && (member === 'findFirst' || member === 'findAny' || member === 'min' || member === 'max'))
      return args[0] ? { k: 'ext', name: 'Optional', args: [args[0]], f } : OPAQUE;
    if (member === 'values' && args.length === 2) return { k: 'ext', name: 'Collection', args: [args[1]!], f };
    if (member === 'keySet' && args.length === 2) return { k: 'ext', name: 'Set', args: [args[0]!], f };
    if (member === 'entrySet' && args.length === 2) return { k: 'ext', name: 'Set', args: [`Entry<${marked(0)},${marked(1)}>`], f };
    if (member === 'getKey' && args.length === 2) return valOfType(args[0]!, f);
    if (member === 'getValue' && args.length === 2) return valOfType(args[1]!, f);
    if (ELEMENT.has(member)) return args.length > 0 ? valOfType(args[args.length - 1]!, f) : UNKNOWN;
    if (SAME.has(member))
      return { k: 'ext', name: member === 'stream' || member === 'parallelStream' ? 'Stream' : member.includes('terator') ? 'Iterator' : name, args, f };
    return CLOSED.has(name) ? OPAQUE : UNKNOWN;
  };

  /** Classes whose own scope (field initialisers, initialiser blocks) calls something. */
  const initialised = new Map<string, boolean>();
  for (const [, f] of files)
    for (const s of f.scopes as JavaScopeFacts[]) if (s.kind === 'class' && (s.jc?.length ?? 0) > 0) initialised.set(q(f, s.name), true);

  /**
   * Fields whose value the class's own code gives them: an initialiser (`RATES = loadRates()`, also
   * `FEE = new BigDecimal("0.05")`, whose edit changes what `FEE.multiply(x)` computes) or an
   * initialiser block that fills them. A call on such a field (`RATES.get(k)`) reads it. A call on a
   * field given its value elsewhere (an injected `dao` assigned in a constructor) is not a read of it:
   * the assignment is the constructor's, a change to it is the constructor's.
   */
  /** Calls of a library functional interface's method, from the method (or interface method) making them. */
  const pending: { from: string; call: SamCall }[] = [];
  /** Per library functional interface (simple name): the lambdas and method references converted to it. */
  const conversions = new Map<string, LibraryConversion[]>();
  const addConversion = (name: string, conv: LibraryConversion): void => {
    const list = conversions.get(name);
    if (list) list.push(conv);
    else conversions.set(name, [conv]);
  };
  type Reached = { edges: Map<string, boolean>; sams: SamCall[] };
  const samMemo = new Map<string, string[]>();
  /**
   * A repository functional interface's abstract method (declared or inherited from a repository
   * interface); none for a class, or an interface with several abstract methods (not functional).
   */
  const samOf = (iface: string): string[] => {
    let r = samMemo.get(iface);
    if (r) return r;
    r = [];
    if (classInfo.get(iface)?.kind === 'interface') {
      for (const a of ancestors(iface).repo)
        for (const m of classMethods.get(a) ?? []) {
          const member = methodOf.get(m)?.member;
          if (member !== undefined && !OBJECT_METHODS.has(member) && methodInfo.get(m)?.abs === true && g.kindOf(m) === 'method') r.push(m);
        }
      if (new Set(r.map((m) => methodOf.get(m)?.member)).size > 1) r = [];
    }
    samMemo.set(iface, r);
    return r;
  };
  /** A library functional interface a repository interface takes its one method from: its name, that method's names, the type arguments passed it. */
  type LibrarySam = { name: string; methods: Set<string>; targs?: TypeArgs; call(a: number): SamCall };
  const librarySamMemo = new Map<string, LibrarySam[]>();
  /**
   * The library functional interfaces a repository interface declaring no abstract method of its own
   * extends (`interface FeeFn extends Function<BigDecimal, BigDecimal> {}`): a value of it is one of
   * them. A type argument not concrete along the way (the interface's own parameter) is unknown.
   */
  const librarySamsOf = (iface: string): LibrarySam[] => {
    let r = librarySamMemo.get(iface);
    if (r) return r;
    r = [];
    if (classInfo.get(iface)?.kind === 'interface' && samOf(iface).length === 0)
      for (const name of ancestors(iface).ext) {
        const methods = LIBRARY_SAM.get(name);
        if (!methods) continue;
        const ways = argsTo(iface, name, true);
        const way = ways.length === 1 ? ways[0] : null;
        const targs = way ? way.map((a) => (a === null || a.startsWith('~') ? null : a)) : undefined;
        r.push({ name, methods, ...(targs ? { targs } : {}), call: (a) => (targs ? { name, targs, a, repo: iface } : { name, a, repo: iface }) });
      }
    librarySamMemo.set(iface, r);
    return r;
  };
  const computed = new Set<string>();
  for (const [, f] of files) for (const s of f.scopes as JavaScopeFacts[]) if (s.kind === 'binding') computed.add(q(f, s.name));
  const resolveScope = (f: JavaFileFacts, s: JavaScopeFacts): void => {
    const statics = f.jstatic ?? [];
    const from = q(f, s.name);
    const isBinding = s.kind === 'binding';
    // a constructor runs the field initialisers and initialiser blocks (the class's own code)
    if (s.kind === 'method' && s.className && methodOf.get(from)?.member === '<init>' && (initialised.get(q(f, s.className)) ?? false))
      g.call(from, q(f, s.className));
    const local = s.kind === 'class' ? s.name : s.className;
    /** The class and its lexically enclosing classes, innermost first. */
    const classes: string[] = [];
    if (local) {
      const parts = local.split('.');
      for (let i = parts.length; i > 0; i--) {
        const id = q(f, parts.slice(0, i).join('.'));
        if (classInfo.has(id)) classes.push(id);
      }
    }
    /** Where resolving sends an edge (`byName`: found by name only) and a call of a library functional interface: the graph, or a collector. */
    type Sink = { edge(id: string, byName: boolean): void; sam(call: SamCall): void };
    let sink: Sink = { edge: (id, byName) => g.call(from, id, byName ? 'name' : 'typed'), sam: (call) => pending.push({ from, call }) };
    const typed = (ids: Iterable<string>): void => {
      for (const id of ids) sink.edge(id, false);
    };
    const named = (ids: Iterable<string>): void => {
      for (const id of ids) sink.edge(id, true);
    };
    /** What `run` resolves, collected instead of added to the graph: methods (typed wins over by name) and library functional calls. */
    const collect = (run: () => void): Reached => {
      const edges = new Map<string, boolean>();
      const sams: SamCall[] = [];
      const prev = sink;
      sink = { edge: (id, byName) => edges.set(id, byName && (edges.get(id) ?? true)), sam: (call) => sams.push(call) };
      try {
        run();
      } finally {
        sink = prev;
      }
      return { edges, sams };
    };

    /** A plain name: a field of this or an enclosing class, else a type, else a package path. */
    const nameVal = (path: string): Val => {
      const segs = path.split('.');
      let v: Val | undefined;
      let i = 1;
      for (const c of classes) {
        v = fieldOf(c, segs[0]!);
        if (v) break;
      }
      if (!v) {
        for (const [cls, member] of statics)
          if (member === segs[0] || member === '*') {
            const id = byQualified.get(cls);
            if (id) v = fieldOf(id, segs[0]!);
            if (v) break;
          }
      }
      if (!v) {
        // the longest prefix that names a type: `a.b.Foo.BAR` → static Foo, then its field BAR
        for (i = segs.length; i > 0; i--) {
          const ids = resolveType(f, segs.slice(0, i).join('.'));
          if (ids.length > 0) {
            v = { k: 'static', ids };
            break;
          }
        }
        if (!v) {
          const cap = segs.findIndex((x) => /^[A-Z]/.test(x));
          if (cap < 0 || classes.some((c) => ancestors(c).ext.size > 0)) return UNKNOWN; // maybe a field inherited from a library class
          v = { k: 'staticExt', name: segs[cap]! };
          i = cap + 1;
        }
      }
      for (; i < segs.length; i++) v = fieldVal(v, segs[i]!);
      return v;
    };
    const fieldVal = (v: Val, field: string): Val => {
      if (v.k === 'repo' || v.k === 'static') return mergeVals(v.ids.map((id) => fieldOf(id, field) ?? UNKNOWN));
      if (v.k === 'array' && field === 'length') return OPAQUE;
      if ((v.k === 'ext' || v.k === 'staticExt') && CLOSED.has(v.name)) return OPAQUE;
      return UNKNOWN;
    };
    const thisVal = (): Val => (classes[0] ? { k: 'repo', ids: [classes[0]] } : UNKNOWN);
    const evalRecv = (r: Recv, depth = 0): Val => {
      if (depth > 40) return UNKNOWN;
      switch (r[0]) {
        case 'this':
          return thisVal();
        case 'super': {
          const b = classes[0] ? (bases.get(classes[0]) ?? []) : [];
          return b.length > 0 ? { k: 'repo', ids: b } : UNKNOWN;
        }
        case 'outer': {
          const c = classes.find((id) => id.endsWith(`.${r[1]}`));
          return c ? { k: 'repo', ids: [c] } : UNKNOWN;
        }
        case 't':
          return valOfType(r[1], f);
        case 'n':
          return nameVal(r[1]);
        case 'f':
          return fieldVal(evalRecv(r[1], depth + 1), r[2]);
        case 'e': {
          const v = evalRecv(r[1], depth + 1);
          if (v.k === 'array') return valOfType(v.elem, v.f);
          if (v.k === 'ext' && v.args.length > 0) return valOfType(v.args[0]!, v.f);
          return UNKNOWN;
        }
        case 'c':
          return resolveCall({ r: r[1], n: r[2], a: r[3] }, false, depth + 1);
        default:
          return UNKNOWN;
      }
    };

    /** Resolves a call (adding its edges when `emit`) and returns the value it yields. */
    const resolveCall = (c: JavaCall, emit: boolean, depth = 0): Val => {
      const member = c.n;
      if (c.r === null) {
        for (const cls of classes) {
          const found = dispatch(cls, member, c.a);
          if (found.length > 0) {
            if (emit) typed(found);
            return returnOf(found);
          }
        }
        for (const [cls, m] of statics)
          if (m === member || m === '*') {
            const id = byQualified.get(cls);
            const found = id ? lookup(id, member, 'method', c.a) : [];
            if (found.length > 0) {
              if (emit) typed(found);
              return returnOf(found);
            }
          }
        // inherited from a library class, or statically imported from a library: no repository code
        if (classes.some((cls) => ancestors(cls).ext.size > 0) || statics.some(([cls, m]) => (m === member || m === '*') && !byQualified.has(cls)))
          return UNKNOWN;
        const cands = byName(f, member, c.a, false);
        if (emit) named(cands);
        return returnOf(cands);
      }
      const v = evalRecv(c.r, depth);
      const isSuper = c.r[0] === 'super';
      switch (v.k) {
        case 'repo':
        case 'static': {
          // super.m() and Type.m() run that declaration; a value's method is dispatched over subtypes
          const found = new Set<string>();
          for (const id of v.ids)
            for (const m of isSuper || (v.k === 'static' && c.k !== 'ref')
              ? lookup(id, member, 'method', c.a)
              : dispatch(id, member, c.a, v.k === 'repo' ? v.targs : undefined))
              found.add(m);
          if (emit && v.k === 'repo' && !isSuper) for (const id of v.ids) for (const l of librarySamsOf(id)) if (l.methods.has(member)) sink.sam(l.call(c.a));
          if (found.size > 0) {
            if (emit) typed(found);
            return returnOf([...found], v);
          }
          if (v.ids.some((id) => ancestors(id).ext.size > 0)) return UNKNOWN; // a library superclass's method
          const cands = byName(f, member, c.a, false);
          if (emit) named(cands);
          return returnOf(cands);
        }
        case 'ext': {
          // a library functional interface's method runs what was converted to it: see `pending`
          if (emit && LIBRARY_SAM.get(v.name)?.has(member)) sink.sam(v.targs ? { name: v.name, targs: v.targs, a: c.a } : { name: v.name, a: c.a });
          const found = extDispatch(v.name, member, c.a, v.targs);
          if (found.length > 0) {
            if (emit) typed(found);
            return returnOf(found);
          }
          if (extSubclasses.has(v.name) || CLOSED.has(v.name)) {
            if (emit) handOff(c);
            return libCall(v, member);
          }
          const cands = byName(f, member, c.a, true);
          if (emit) named(cands);
          if (cands.length > 0) return returnOf(cands);
          if (emit) handOff(c);
          return libCall(v, member);
        }
        case 'staticExt':
          if (emit) handOff(c);
          return CLOSED.has(v.name) && !PASS_THROUGH.has(member) ? OPAQUE : UNKNOWN;
        case 'array':
          return member === 'clone' ? v : OPAQUE;
        case 'opaque':
          if (emit) handOff(c);
          return OPAQUE;
        case 'unknown': {
          const cands = byName(f, member, c.a, false);
          if (emit) named(cands);
          if (emit && cands.length === 0) handOff(c);
          return returnOf(cands);
        }
      }
    };

    /**
     * A library method running function objects handed to it as values (`executor.submit(task)`,
     * `xs.forEach(handler)`) runs them for the caller: a value of a library functional interface is
     * called through it (what was converted to it, see `pending`), one of a repository type runs the
     * method its functional interface (repository or library) names, dispatched over its subtypes.
     */
    const handOff = (c: JavaCall): void => {
      for (const [, r] of c.v ?? []) {
        const v = evalRecv(r);
        if (v.k === 'ext') {
          if (LIBRARY_SAM.has(v.name)) sink.sam(v.targs ? { name: v.name, targs: v.targs, a: -1 } : { name: v.name, a: -1 });
          continue;
        }
        if (v.k !== 'repo') continue;
        for (const id of v.ids) {
          for (const m of samOf(id)) typed(dispatch(id, methodOf.get(m)!.member, -1));
          for (const l of librarySamsOf(id)) sink.sam(l.call(-1));
          for (const e of ancestors(id).ext) for (const m of LIBRARY_SAM.get(e) ?? []) typed(dispatch(id, m, -1));
        }
      }
    };
    /** The constructors of class `t` that accept `arity` arguments (all when none does), none when it declares none. */
    const ctorsOf = (t: string, arity: number): string[] => fitting(declared(t, '<init>'), arity);
    /** What `new T(…)` of each class runs: its fitting constructors, else the class (its initialisers). */
    const ctorOf = (ids: string[], arity: number): string[] =>
      ids.flatMap((t) => {
        const ctors = ctorsOf(t, arity);
        return ctors.length > 0 ? ctors : [t];
      });
    /** Resolves one call of the scope, sending its edges to the sink. */
    const resolveOne = (c: JavaCall): void => {
      if (c.k === 'new') {
        const t = parseType(c.n);
        if (!t.array) typed(ctorOf(resolveType(f, t.name), c.a));
        return;
      }
      if (c.k === 'anon') {
        typed(classMethods.get(q(f, c.n)) ?? []);
        // `new Base(args) { … }` runs Base's constructor; an interface has none
        if (c.r?.[0] === 't')
          typed(
            ctorOf(
              resolveType(f, parseType(c.r[1]).name).filter((id) => classInfo.get(id)?.kind !== 'interface'),
              c.a,
            ),
          );
        return;
      }
      if (c.n === '<init>' && c.r) {
        // this(...) runs one of the class's own constructors; super(...) its superclass's (or its initialisers)
        if (c.r[0] === 'super') typed(ctorOf(classes[0] ? (bases.get(classes[0]) ?? []) : [], c.a));
        else if (classes[0]) {
          // …never itself (a compile error): one of the others that fits, else the implicit
          // canonical constructor of a record (only the class's own code)
          const others = declared(classes[0], '<init>').filter((id) => id !== from);
          const fit = fitting(others, c.a);
          typed(fit.length > 0 ? fit : [classes[0]]);
        }
        return;
      }
      if (c.k === 'ref' && c.n === 'new' && c.r) {
        const v = evalRecv(c.r);
        if (v.k === 'static' || v.k === 'repo') typed(ctorOf(v.ids, -1));
        return;
      }
      resolveCall(c, true);
    };
    // what each call reached, kept when the scope converts function objects: a lambda's body and a
    // method reference are among the scope's own calls, resolved once for both
    const reachedBy = !isBinding && s.fo?.length ? new Map<JavaCall, Reached>() : undefined;
    for (const c of s.jc ?? []) {
      // a method reference a field only holds is no part of computing its value (the class keeps the edge)
      if (isBinding && c.h) continue;
      if (!reachedBy) {
        resolveOne(c);
        continue;
      }
      const r = collect(() => resolveOne(c));
      reachedBy.set(c, r);
      for (const [id, byName] of r.edges) sink.edge(id, byName);
      for (const call of r.sams) sink.sam(call);
    }
    /**
     * The types a lambda or method reference is converted to (see JavaTarget), each with whether it
     * was found by name only (a call's callee resolved by name) and whether it is a parameter of a
     * generic method (`inferred`: see LibraryConversion).
     */
    type Target = { v: Val; byName: boolean; inferred?: boolean };
    const targetVals = (t: JavaTarget, depth = 0): Target[] => {
      if (depth > 8) return [];
      switch (t[0]) {
        case 't':
          return [{ v: valOfType(t[1], f), byName: false }];
        case 'r':
          return [{ v: evalRecv(t[1]), byName: false }];
        case 'el':
          return targetVals(t[1], depth + 1).flatMap(({ v, byName, inferred }) => {
            if (v.k === 'array') return [{ v: valOfType(v.elem, v.f), byName, inferred }];
            if (v.k === 'ext' && v.args.length > 0) return [{ v: valOfType(v.args[v.args.length - 1]!, v.f), byName, inferred }];
            return [];
          });
        case 'a': {
          const [, c, i] = t;
          const out: Target[] = [];
          let on: Val | undefined;
          for (const [id, byName] of collect(() => resolveOne(c)).edges) {
            const mi = methodInfo.get(id);
            for (const { pt, va, gen, tv } of mi?.params ?? []) {
              // a parameter of the class's type parameter takes the receiver's argument (`Registry<Fee>.register(k, Fees::card)` → Fee)
              const tp = tv?.[i] ?? -1;
              const bound = tp >= 0 && c.r ? typeArgOf((on ??= evalRecv(c.r)), id, tp) : undefined;
              const type = va && i >= pt.length - 1 ? pt[pt.length - 1]?.replace(/\[\]$/, '') : pt[i];
              if (bound) out.push({ v: bound, byName });
              else if (type !== undefined) out.push(gen ? { v: valOfType(type, mi!.f), byName, inferred: true } : { v: valOfType(type, mi!.f), byName });
            }
          }
          // a library container's store: its element type
          if (out.length === 0 && c.r && STORE.has(c.n) && i === c.a - 1) {
            const v = evalRecv(c.r);
            if (v.k === 'ext' && v.args.length > 0) out.push({ v: valOfType(v.args[v.args.length - 1]!, v.f), byName: false });
          }
          return out;
        }
        default:
          return [];
      }
    };
    /**
     * A lambda or method reference converted to a functional interface runs when that interface's
     * method is called. To a repository interface: an edge from its abstract method to what the
     * function object runs (the referenced method, or what the lambda's body calls), so dispatch on
     * the interface already gets there. To a library one: recorded for the calls of that interface's
     * method on a value of its type (`pending`).
     */
    const convert = (o: JavaFunObj): void => {
      let ran: Reached | undefined;
      const runs = (): Reached =>
        (ran ??= collect(() => {
          const calls = o.i !== undefined ? (s.jc ?? []).slice(o.i, o.i + 1) : o.b ? (s.jc ?? []).slice(o.b[0], o.b[1]) : [];
          for (const c of calls) {
            const r = reachedBy?.get(c);
            if (!r) {
              resolveOne(c);
              continue;
            }
            for (const [id, byName] of r.edges) sink.edge(id, byName);
            for (const call of r.sams) sink.sam(call);
          }
        }));
      /** Recorded for the calls of library functional interface `name` (see `pending`). */
      const toLibrary = (name: string, targs: TypeArgs | undefined, byName: boolean, inferred: boolean | undefined, repo?: string): void => {
        const r = runs();
        const edges = byName ? new Map([...r.edges.keys()].map((id) => [id, true])) : r.edges;
        const conv = (targs: TypeArgs | undefined): LibraryConversion => {
          const out: LibraryConversion = { p: o.p ?? -1, targets: edges, inner: r.sams };
          if (targs) out.targs = targs;
          if (inferred) out.inferred = true;
          if (repo !== undefined) out.repo = repo;
          return out;
        };
        addConversion(name, conv(targs));
        const also = LIBRARY_SAM_ALSO.get(name);
        if (also) addConversion(also[0], conv(targs && also[1].map((i) => targs[i] ?? null)));
      };
      for (const { v, byName, inferred } of targetVals(o.t)) {
        if (v.k === 'repo') {
          for (const id of v.ids) {
            for (const m of samOf(id)) {
              const r = runs();
              for (const [to, n] of r.edges) g.call(m, to, n || byName ? 'name' : 'typed');
              for (const call of r.sams) pending.push({ from: m, call });
            }
            // a repository interface whose one method is a library interface's: converted to that one
            for (const l of librarySamsOf(id)) toLibrary(l.name, l.targs, byName, inferred, id);
          }
        } else if (v.k === 'ext' && LIBRARY_SAM.has(v.name)) toLibrary(v.name, v.targs, byName, inferred);
      }
    };
    // a field initialiser's function objects are also the class's, which converts them
    if (!isBinding) for (const o of s.fo ?? []) convert(o);
    /** The fields a name or field path read here stands for: of this or an enclosing class, or `Type.FIELD`. */
    const fieldsNamed = (ref: string): string[] => {
      const parts = ref.split('.');
      const member = parts[parts.length - 1]!;
      if (parts.length === 1 || (parts.length === 2 && parts[0] === 'this')) {
        for (const c of classes) {
          const b = lookup(c, member, 'binding');
          if (b.length > 0) return b;
        }
        return [];
      }
      return resolveType(f, parts.slice(0, -1).join('.')).flatMap((t) => lookup(t, member, 'binding'));
    };
    const reads = (ids: string[]): void => {
      for (const id of ids) g.read(from, id);
    };
    for (const ref of new Set(s.refs)) reads(fieldsNamed(ref));
    // a field's initialiser reads the fields it calls methods on (`BASE.multiply(THREE)`); other code those the class's own code computes
    for (const ref of s.rr ?? []) reads(isBinding ? fieldsNamed(ref) : fieldsNamed(ref).filter((id) => computed.has(id)));
  };
  // a field an initialiser block fills is computed by the class's own code (all its initialisers: which
  // statements of the block make the value is not told apart)
  for (const [, f] of files)
    for (const s of f.scopes as JavaScopeFacts[])
      for (const n of s.kind === 'class' ? (s.ia ?? []) : []) {
        const cls = q(f, s.name);
        if (g.kindOf(`${cls}.${n}`) !== 'binding') continue;
        g.call(`${cls}.${n}`, cls);
        computed.add(`${cls}.${n}`);
      }
  for (const [, raw] of files) for (const s of raw.scopes as JavaScopeFacts[]) resolveScope(raw, s);

  // a call of a library functional interface's method reaches what was converted to that interface
  // with the same parameter count (lambdas) and no type argument known to differ (inferred ones
  // aside: see LibraryConversion); through a lambda that itself calls one, what that call reaches
  const samKey = (c: SamCall): string => `${c.name}\0${c.a}\0${c.targs ? targsKey(c.targs) : ''}\0${c.repo ?? ''}`;
  // a call on a repository interface's receiver takes only what was converted to it or below it
  const fits = (conv: LibraryConversion, c: SamCall): boolean =>
    (conv.p < 0 || c.a < 0 || conv.p === c.a) &&
    (c.repo === undefined || (conv.repo !== undefined && subtypesSet(c.repo).has(conv.repo))) &&
    (!conv.targs ||
      !c.targs ||
      conv.targs.length !== c.targs.length ||
      conv.targs.every((a, i) => (a === null ? !conv.inferred || c.targs![i] === null : c.targs![i] === null || c.targs![i] === a)));
  const reachedMemo = new Map<string, Map<string, boolean>>();
  const reached = (c: SamCall): Map<string, boolean> => {
    const key = samKey(c);
    let out = reachedMemo.get(key);
    if (out) return out;
    out = new Map<string, boolean>();
    const seenCalls = new Set([key]);
    const seenConv = new Set<LibraryConversion>();
    const queue = [c];
    while (queue.length > 0) {
      const x = queue.pop()!;
      for (const conv of conversions.get(x.name) ?? []) {
        if (seenConv.has(conv) || !fits(conv, x)) continue;
        seenConv.add(conv);
        for (const [id, byName] of conv.targets) out.set(id, byName && (out.get(id) ?? true));
        for (const i of conv.inner) {
          const k = samKey(i);
          if (!seenCalls.has(k)) {
            seenCalls.add(k);
            queue.push(i);
          }
        }
      }
    }
    reachedMemo.set(key, out);
    return out;
  };
  for (const { from, call } of pending) for (const [id, byName] of reached(call)) g.call(from, id, byName ? 'name' : 'typed');
}
