/**
 * Methods the Go standard library calls on values handed to it, so that a method of a repository
 * type reached only through the library is still on the call graph: fmt and log call Error, String,
 * Format and GoString of what they print; errors walks Is, As and Unwrap along an error chain; sort
 * and container/heap call the sort and heap methods; encoding/json the marshalers of what it encodes
 * and decodes into; net/http the ServeHTTP of a handler it is given.
 *
 * Rules are keyed by the external function (`import/path.Func`) or method of an external type
 * (`import/path.Type.Method`) that is called.
 */
export interface StdRule {
  /** the argument positions whose values' methods are called; `from` is that position and every later one */
  args: number[] | { from: number };
  methods: readonly string[];
  /** also the methods of what the value holds (elements, exported struct fields): printing and encoding walk into values */
  deep?: true;
}

/** Parameter counts of the methods the library calls: a method of the name but another arity is not the one it calls. */
export const METHOD_PARAMS: Readonly<Record<string, number>> = {
  Error: 0,
  String: 0,
  Format: 2,
  GoString: 0,
  Is: 1,
  As: 1,
  Unwrap: 0,
  Len: 0,
  Less: 2,
  Swap: 2,
  Push: 1,
  Pop: 0,
  MarshalJSON: 0,
  MarshalText: 0,
  UnmarshalJSON: 1,
  UnmarshalText: 1,
  ServeHTTP: 2,
};

/** Method sets of the library's interfaces a repository type may implement (a value of such a type may be any implementer). */
export const STD_INTERFACES: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries({
    error: ['Error'],
    'fmt.Stringer': ['String'],
    'fmt.GoStringer': ['GoString'],
    'fmt.Formatter': ['Format'],
    'sort.Interface': ['Len', 'Less', 'Swap'],
    'container/heap.Interface': ['Len', 'Less', 'Swap', 'Push', 'Pop'],
    'encoding/json.Marshaler': ['MarshalJSON'],
    'encoding/json.Unmarshaler': ['UnmarshalJSON'],
    'encoding.TextMarshaler': ['MarshalText'],
    'encoding.TextUnmarshaler': ['UnmarshalText'],
    'net/http.Handler': ['ServeHTTP'],
  }),
);

/** Result types of library functions whose methods have rules (`json.NewEncoder(w).Encode(v)`). */
export const STD_RESULTS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    'encoding/json.NewEncoder': 'encoding/json.Encoder',
    'encoding/json.NewDecoder': 'encoding/json.Decoder',
    'net/http.NewServeMux': 'net/http.ServeMux',
    'log.New': 'log.Logger',
    'log.Default': 'log.Logger',
  }),
);

const PRINTING = ['Error', 'String', 'Format', 'GoString'] as const;
const rules = new Map<string, StdRule>();
const add = (ids: string[], rule: StdRule): void => {
  for (const id of ids) rules.set(id, rule);
};
const print = (from: number): StdRule => ({ args: { from }, methods: PRINTING, deep: true });

add(['fmt.Print', 'fmt.Println', 'fmt.Sprint', 'fmt.Sprintln'], print(0));
// the format string comes first; Fprint*'s writer and Append*'s slice are not printed
add(['fmt.Printf', 'fmt.Sprintf', 'fmt.Errorf', 'fmt.Fprint', 'fmt.Fprintln', 'fmt.Append', 'fmt.Appendln'], print(1));
add(['fmt.Fprintf', 'fmt.Appendf'], print(2));
for (const owner of ['log', 'log.Logger']) {
  add(
    ['Print', 'Println', 'Fatal', 'Fatalln', 'Panic', 'Panicln'].map((f) => `${owner}.${f}`),
    print(0),
  );
  add(
    ['Printf', 'Fatalf', 'Panicf'].map((f) => `${owner}.${f}`),
    print(1),
  );
}
add(['errors.Is'], { args: [0], methods: ['Is', 'Unwrap'] });
add(['errors.As'], { args: [0], methods: ['As', 'Unwrap'] });
add(['errors.Unwrap'], { args: [0], methods: ['Unwrap'] });
add(['sort.Sort', 'sort.Stable', 'sort.IsSorted'], { args: [0], methods: ['Len', 'Less', 'Swap'] });
// every heap function restores the order (Len, Less, Swap); Push and Pop/Remove also grow or shrink it
add(['container/heap.Init', 'container/heap.Fix'], { args: [0], methods: ['Len', 'Less', 'Swap'] });
add(['container/heap.Push'], { args: [0], methods: ['Len', 'Less', 'Swap', 'Push'] });
add(['container/heap.Pop', 'container/heap.Remove'], { args: [0], methods: ['Len', 'Less', 'Swap', 'Pop'] });
const marshal: StdRule = { args: [0], methods: ['MarshalJSON', 'MarshalText'], deep: true };
add(['encoding/json.Marshal', 'encoding/json.MarshalIndent', 'encoding/json.Encoder.Encode'], marshal);
add(['encoding/json.Unmarshal'], { args: [1], methods: ['UnmarshalJSON', 'UnmarshalText'], deep: true });
add(['encoding/json.Decoder.Decode'], { args: [0], methods: ['UnmarshalJSON', 'UnmarshalText'], deep: true });
const serve = (i: number): StdRule => ({ args: [i], methods: ['ServeHTTP'] });
add(['net/http.Handle', 'net/http.ServeMux.Handle', 'net/http.ListenAndServe', 'net/http.Serve', 'net/http.ServeTLS', 'net/http.StripPrefix'], serve(1));
add(['net/http.ListenAndServeTLS'], serve(3));
add(['net/http.TimeoutHandler', 'net/http.MaxBytesHandler'], serve(0));

/** Fields of library structs whose values the library calls methods on (`http.Server{Handler: h}` serves through h). */
export const STD_FIELDS: ReadonlyMap<string, StdRule> = new Map([['net/http.Server.Handler', serve(0)]]);
/** Their names: extraction keeps any value stored into a field of this name of another package's struct. */
export const STD_FIELD_NAMES: ReadonlySet<string> = new Set([...STD_FIELDS.keys()].map((k) => k.slice(k.lastIndexOf('.') + 1)));

/** The rule for a call of the external function or method `id`, if the library calls methods of its arguments. */
export function stdRule(id: string): StdRule | undefined {
  return rules.get(id);
}
