/**
 * Public types of the compliance gate. Other subsystems (review, pipeline, evidence) code
 * against these; keep them stable.
 */

export type GateLanguage = 'python' | 'ts' | 'js' | 'go' | 'java';

/** Every kind of definition, in a fixed order (a stored graph writes a kind as its index here). */
export const DEFINITION_KINDS = ['module', 'class', 'function', 'method', 'binding'] as const;

export type DefinitionKind = (typeof DEFINITION_KINDS)[number];

/** One node of a call graph: a function, method, class body, module body or module-level binding. */
export interface Definition {
  /** Fully qualified name, PyCG style: `pkg.mod.Class.method`, `pkg.mod.outer.inner`, `pkg.mod` for module code. */
  id: string;
  kind: DefinitionKind;
  /** Repository-relative POSIX path of the file that defines it. */
  file: string;
  /** 1-based, inclusive line range. A module spans its whole file. */
  startLine: number;
  endLine: number;
  /**
   * A binding assigned in several places (`HOOKS = []` … `HOOKS += [f]`): each assignment's lines.
   * startLine/endLine then span them all, with whatever lies between, which is not
   * part of the binding.
   */
  spans?: [number, number][];
}

/** Whether `line` is one of `d`'s own lines (for a binding assigned in several places, of one of its assignments). */
export function definitionHolds(d: Definition, line: number): boolean {
  return d.spans ? d.spans.some(([s, e]) => line >= s && line <= e) : line >= d.startLine && line <= d.endLine;
}

/** Whether the lines `start`..`end` lie within one of `d`'s own spans. */
export function definitionEncloses(d: Definition, start: number, end: number): boolean {
  return d.spans ? d.spans.some(([s, e]) => s <= start && end <= e) : d.startLine <= start && end <= d.endLine;
}

/** A repository's call graph at one revision, all languages merged. */
export interface CallGraph {
  defs: Map<string, Definition>;
  /** caller id → callee ids (callees may be external, e.g. `<builtin>.len`). */
  calls: Map<string, Set<string>>;
  /**
   * The subset of `calls` resolved by name only: the receiver's type was unknown, so the call was
   * taken to reach every visible definition of that name. Paths prefer typed edges and say how
   * many of their edges are name-only.
   */
  nameOnly: Map<string, Set<string>>;
  /** definition id (a function, or a binding whose initializer reads another) → module-level binding ids (constants, configuration values, imports, class fields) it reads. */
  reads: Map<string, Set<string>>;
  /** Files that could not be parsed, with the reason (they make the gate fail closed). */
  unparsable: { file: string; reason: string }[];
  /**
   * Source text per file, kept so SQL/host rules can inspect definitions; read from git when first
   * used in a revision's graph. `hash`, git's blob id of the text when known, keys what is cached of it.
   */
  files: Map<string, GraphFile>;
}

/** One file of a call graph: its language and text, and git's blob id of the text when known. */
export interface GraphFile {
  language: GateLanguage;
  readonly text: string;
  hash?: string;
}

export type Revision = 'base' | 'head';

export interface ChangedFunction {
  id: string;
  file: string;
  revision: Revision;
  kind: DefinitionKind;
  /** The changed lines (1-based, in that revision) that fall inside this definition. */
  lines: number[];
  /** Why it counts as changed: its own lines changed, or a binding it reads changed. */
  via: 'lines' | 'binding';
  /** For via = 'binding': the binding whose change reached it. */
  binding?: string;
}

/** A call path that makes a change regulated. `nodes` runs in call order (caller first). */
export interface GatePath {
  /** The regulated root at one end of the path (a root from config, or a function matching a SQL/host rule). */
  root: string;
  /** Why the root is regulated: `root` (configured name), `writes table T`, `calls payment host H`. */
  rootRule: string;
  /** The changed definition at the other end. */
  changed: string;
  /** `root-reaches-changed`: the root calls … calls the change; `changed-reaches-root`: the change calls … calls the root. */
  direction: 'root-reaches-changed' | 'changed-reaches-root';
  revision: Revision;
  nodes: string[];
  /** How many edges of `nodes` were resolved by name only (0: every call on the path is typed). */
  nameOnlyEdges: number;
  /** Which edges were resolved by name only: `i` is the call from `nodes[i]` to `nodes[i + 1]`. */
  nameOnlyAt: number[];
  /** The zone each node's file lies in (the first matching `[[gate.zones]]`), null outside every zone. */
  zoneAt: (string | null)[];
  /**
   * Human-readable form, e.g. `app.approve_loan → app.score → util.round_half_even (changed)`; an
   * edge resolved by name only is drawn `⇢` and the text ends with how many there are.
   */
  text: string;
}

export interface ZoneMatch {
  name: string;
  path: string;
  obligations: string[];
  approvers: string[];
  approverGroups: string[];
  /** Paths the reviewing agent may read besides the zone itself. */
  sharedPaths: string[];
  /** Changed files inside the zone. */
  files: string[];
  /** Whether this zone by itself requires human review (obligation `human-review` or required approvers). */
  requiresReview: boolean;
}

export type GateReasonKind = 'call-path' | 'zone' | 'sql' | 'host' | 'unparsable' | 'root-changed' | 'config-introduced' | 'classifier' | 'roots';

/** One deterministic hint that an unflagged change may be financial logic anyway. */
export interface GateSignal {
  kind: 'money-type' | 'sql-table' | 'payment-sdk' | 'money-config' | 'money-name' | 'sdk-in-file' | 'near-zone' | 'caller-signal' | 'money-function';
  weight: number;
  file: string;
  detail: string;
}

/** The signal layer's score of a change; `routed`: at or above the threshold (sent to the classifier when it is enabled). */
export interface GateSignals {
  score: number;
  threshold: number;
  routed: boolean;
  items: GateSignal[];
}

/** What the classifier stage answered (or why it could not). */
export interface ClassifierOutcome {
  provider: string;
  model: string;
  /** The zone whose rules chose the provider, and the region/endpoint the call went to. */
  zone?: string;
  region?: string;
  status: 'ok' | 'error';
  regulated?: boolean;
  confidence?: number;
  signals?: string[];
  rationale?: string;
  /** Why it failed (timeout, provider error, invalid answer). */
  error?: string;
  durationMs: number;
}

/** Which layer decided: the call graph and rules (static), the signal pre-filter, or the classifier. */
export type GateLayer = 'static' | 'signals' | 'classifier';

export interface GateReason {
  kind: GateReasonKind;
  message: string;
  file?: string;
  id?: string;
}

export interface GateResult {
  /** true = human review required (exit 2). */
  flagged: boolean;
  reasons: GateReason[];
  paths: GatePath[];
  changedFunctions: ChangedFunction[];
  /** Zones the change touches; the pipeline limits an agent's reads to their paths + sharedPaths. */
  zones: ZoneMatch[];
  /** Union of the touched zones' path globs and all declared shared paths (read-narrowing input). */
  readScope: string[];
  unparsable: { file: string; revision: Revision; reason: string }[];
  changedFiles: string[];
  base: string;
  head: string;
  /** The regulated roots found in the head graph. */
  roots: string[];
  /**
   * Vendored and generated files left out of both graphs (unless `[gate] include_vendored`), by
   * the rule that left them out; files of both revisions are counted once. Always set by
   * evaluateGate (optional so results built elsewhere stay valid).
   */
  excluded?: { pattern: string; files: number }[];
  /** Which layer decided (set by evaluateGate; the classifier's runner may change it). */
  layer?: GateLayer;
  /** The signal layer's score (always computed; it routes only when the change is unflagged). */
  signals?: GateSignals;
  /** The classifier's answer, when the change was routed to it. */
  classifier?: ClassifierOutcome;
  /** Set when the configured roots match no definition in the head revision: the gate then sees no call paths at all. */
  rootsWarning?: string;
}
