import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import type { GateConfig } from './config.js';
import { callIndexOf } from './call-index.js';
import type { FileChange } from './diff.js';
import { rootNameOf } from './facts.js';
import { globTest } from './glob.js';
import { importTarget } from './import-target.js';
import { languageOf } from './sources.js';
import {
  definitionEncloses,
  type CallGraph,
  type ChangedFunction,
  type Definition,
  type GatePath,
  type GateReason,
  type GateResult,
  type GraphFile,
  type Revision,
  type ZoneMatch,
} from './types.js';

const MAX_ROOTS_SEARCHED_SEPARATELY = 64;

const defsByFileCache = new WeakMap<CallGraph, Map<string, Definition[]>>();

function defsByFile(graph: CallGraph): Map<string, Definition[]> {
  let m = defsByFileCache.get(graph);
  if (m) return m;
  m = new Map();
  for (const d of graph.defs.values()) {
    let l = m.get(d.file);
    if (!l) m.set(d.file, (l = []));
    l.push(d);
  }
  defsByFileCache.set(graph, m);
  return m;
}

/** The smallest definition (not a binding) spanning all `lines`; the module when nothing smaller does. */
export function innermostDefinition(graph: CallGraph, file: string, lines: number[]): Definition | undefined {
  let best: Definition | undefined;
  for (const d of defsByFile(graph).get(file) ?? []) {
    if (d.kind === 'binding') continue;
    if (!lines.every((l) => l >= d.startLine && l <= d.endLine)) continue;
    if (narrower(d, best)) best = d;
  }
  return best;
}

/** Whether `d` is chosen over `best` as the innermost of two definitions spanning the same lines: shorter, or as long as a module. */
function narrower(d: Definition, best: Definition | undefined): boolean {
  if (!best) return true;
  const size = d.endLine - d.startLine;
  const bestSize = best.endLine - best.startLine;
  return size < bestSize || (size === bestSize && best.kind === 'module');
}

const innermostCache = new WeakMap<CallGraph, Map<string, (Definition | undefined)[]>>();

/**
 * innermostDefinition(graph, file, [line]) for every line of a file at once, built once per graph
 * and file: a change rewriting a large file asks it for each line, and over each line's definitions
 * that is quadratic (a 20,000-line file of 2,000 functions took most of a second).
 */
function innermostByLine(graph: CallGraph, file: string): (Definition | undefined)[] {
  let byFile = innermostCache.get(graph);
  if (!byFile) innermostCache.set(graph, (byFile = new Map<string, (Definition | undefined)[]>()));
  let table = byFile.get(file);
  if (table) return table;
  table = [];
  // the same choice as innermostDefinition's, definition by definition in the same order, per line
  for (const d of defsByFile(graph).get(file) ?? []) {
    if (d.kind === 'binding') continue;
    for (let l = Math.max(1, d.startLine); l <= d.endLine; l++) if (narrower(d, table[l])) table[l] = d;
  }
  byFile.set(file, table);
  return table;
}

/** Bindings whose lines hold all of definition `d` (an arrow in a constant's initializer). */
function bindingsAround(graph: CallGraph, d: Definition): Definition[] {
  return (defsByFile(graph).get(d.file) ?? []).filter((b) => b.kind === 'binding' && b.id !== d.id && definitionEncloses(b, d.startLine, d.endLine));
}

const initializersCache = new WeakMap<CallGraph, Set<string>>();

/**
 * The bindings of a graph whose initializers call something (those with call edges of their own),
 * found once per graph through its call index: a stored graph's edge maps are not built for it.
 */
function initializerCallers(graph: CallGraph): Set<string> {
  let s = initializersCache.get(graph);
  if (s) return s;
  s = new Set();
  for (const from of callIndexOf(graph).callerIds()) if (graph.defs.get(from)?.kind === 'binding') s.add(from);
  initializersCache.set(graph, s);
  return s;
}

const readersCache = new WeakMap<CallGraph, Map<string, string[]>>();

/** Per binding, the definitions that read it (the inverse of `graph.reads`), built once per graph. */
function readersOf(graph: CallGraph): Map<string, string[]> {
  let m = readersCache.get(graph);
  if (m) return m;
  m = new Map();
  for (const [from, bindings] of graph.reads)
    for (const b of bindings) {
      const l = m.get(b);
      if (l) l.push(from);
      else m.set(b, [from]);
    }
  readersCache.set(graph, m);
  return m;
}

function bindingsAt(graph: CallGraph, file: string, line: number): readonly Definition[] {
  return bindingsByLine(graph, file)[line] ?? [];
}

const bindingsCache = new WeakMap<CallGraph, Map<string, Definition[][]>>();

/** The bindings holding each line of a file (as definitionHolds says), in definition order, built once per graph and file. */
function bindingsByLine(graph: CallGraph, file: string): Definition[][] {
  let byFile = bindingsCache.get(graph);
  if (!byFile) bindingsCache.set(graph, (byFile = new Map<string, Definition[][]>()));
  let table = byFile.get(file);
  if (table) return table;
  table = [];
  for (const d of defsByFile(graph).get(file) ?? []) {
    if (d.kind !== 'binding') continue;
    // a line two spans share is the binding's once
    const lines = new Set<number>();
    for (const [s, e] of d.spans ?? [[d.startLine, d.endLine]]) for (let l = Math.max(1, s); l <= e; l++) lines.add(l);
    for (const l of lines) (table[l] ??= []).push(d);
  }
  byFile.set(file, table);
  return table;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** SQL statements that write to one of `tables` (INSERT/UPDATE/DELETE/MERGE/REPLACE/UPSERT/TRUNCATE/ALTER/DROP). */
export function sqlWriteRegex(tables: string[]): RegExp | null {
  if (tables.length === 0) return null;
  const names = tables.map(escapeRe).join('|');
  return new RegExp(
    String.raw`\b(?:insert\s+(?:ignore\s+)?into|upsert\s+into|replace\s+into|merge\s+into|update(?:\s+only)?|delete\s+from|truncate(?:\s+table)?|alter\s+table|drop\s+table(?:\s+if\s+exists)?)\s+(?:[\w"\x60\[\]]+\.)?["\x60\[]?(${names})["\x60\]]?(?![\w.])`,
    'i',
  );
}

export function hostRegex(hosts: string[]): RegExp | null {
  if (hosts.length === 0) return null;
  return new RegExp(`(?<![\\w.-])(${hosts.map(escapeRe).join('|')})(?![\\w.-])`, 'i');
}

/** How many functions, methods and classes the configured root names match (SQL and host rules not counted). */
export function namedRootMatches(graph: CallGraph, config: GateConfig): number {
  const isRoot = rootNameMatcher(config);
  let n = 0;
  for (const d of graph.defs.values()) if ((d.kind === 'function' || d.kind === 'method' || d.kind === 'class') && isRoot(rootName(graph, d))) n++;
  return n;
}

const rootMatchers = new WeakMap<GateConfig, (id: string) => boolean>();

/** Whether a definition id matches a configured root glob (both revisions' graphs and the roots warning ask about every definition). */
function rootNameMatcher(config: GateConfig): (id: string) => boolean {
  let m = rootMatchers.get(config);
  if (!m) rootMatchers.set(config, (m = globTest(config.roots)));
  return m;
}

/** The name a root pattern matches for a definition (see rootNameOf). */
export function rootName(graph: CallGraph, d: Definition): string {
  return rootNameOf(d.id, graph.files.get(d.file)?.language);
}

interface RootInfo {
  id: string;
  rule: string;
}

/** Regulated roots of a graph: configured name globs, plus every definition writing SQL to a listed table or naming a payment host. */
export function findRoots(graph: CallGraph, config: GateConfig, scans?: TextRuleScans): Map<string, RootInfo> {
  const roots = new Map<string, RootInfo>();
  const isRoot = rootNameMatcher(config);
  const rootClasses: string[] = [];
  for (const d of graph.defs.values()) {
    if ((d.kind === 'function' || d.kind === 'method') && isRoot(rootName(graph, d))) roots.set(d.id, { id: d.id, rule: 'root' });
    else if (d.kind === 'class' && isRoot(d.id)) rootClasses.push(`${d.id}.`);
  }
  // a class named as a root makes every method in it a root
  if (rootClasses.length > 0) {
    for (const d of graph.defs.values()) {
      if ((d.kind === 'function' || d.kind === 'method') && rootClasses.some((c) => d.id.startsWith(c)) && !roots.has(d.id)) {
        roots.set(d.id, { id: d.id, rule: 'root' });
      }
    }
  }
  const rules = textRules(config);
  if (rules) {
    for (const [file, source] of graph.files) {
      for (const [line, rule] of ruleLinesOf(source, rules, scans)) {
        const def = innermostDefinition(graph, file, [line]);
        if (!def || roots.has(def.id)) continue;
        roots.set(def.id, { id: def.id, rule });
      }
    }
  }
  return roots;
}

/** The SQL and payment-host rules of a configuration, and what identifies them; undefined when neither is configured. */
export interface TextRules {
  sql: RegExp | null;
  host: RegExp | null;
  digest: string;
}

const textRulesOf = new WeakMap<GateConfig, TextRules | undefined>();

export function textRules(config: GateConfig): TextRules | undefined {
  if (textRulesOf.has(config)) return textRulesOf.get(config);
  const sql = sqlWriteRegex(config.sql_tables);
  const host = hostRegex(config.payment_hosts);
  const rules =
    sql || host
      ? {
          sql,
          host,
          digest: createHash('sha256')
            .update(`${sql?.source ?? ''}\0${host?.source ?? ''}`)
            .digest('hex')
            .slice(0, 32),
        }
      : undefined;
  textRulesOf.set(config, rules);
  return rules;
}

/** Each line of a text that writes a listed table or names a payment host, with the rule it meets. */
export function scanTextRules(text: string, { sql, host }: TextRules): [number, string][] {
  const out: [number, string][] = [];
  if (!(sql?.test(text) || host?.test(text))) return out;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const s = sql?.exec(line);
    const h = host?.exec(line);
    if (s || h) out.push([i + 1, s ? `writes table ${s[1]}` : `calls payment host ${h![1]}`]);
  }
  return out;
}

/** What scanTextRules found in a blob, by the rules' digest and blob id, so a later run need not read the blob to know. */
export interface TextRuleScans {
  get(key: string): { lines: [number, string][] } | undefined;
  set(key: string, value: { lines: [number, string][] }): void;
}

export const ruleScanKey = (rules: TextRules, hash: string): string => `rules:${rules.digest}:${hash}`;

/** A well-formed cached scan of a blob under these rules, or undefined. */
export function cachedRuleLines(scans: TextRuleScans | undefined, rules: TextRules, hash: string): [number, string][] | undefined {
  const v = scans?.get(ruleScanKey(rules, hash));
  return wellFormedLines(v, (s) => typeof s === 'string') ? v.lines : undefined;
}

/** A cached scan of `[line, what]` rows, each `what` as `fits` says (a damaged or foreign entry is not). */
function wellFormedLines(v: { lines: [number, string][] } | undefined, fits: (what: unknown) => boolean): v is { lines: [number, string][] } {
  return !!v && Array.isArray(v.lines) && v.lines.every((l) => Array.isArray(l) && l.length === 2 && Number.isInteger(l[0]) && l[0] >= 1 && fits(l[1]));
}

/**
 * The name code would use for a changed file that is not source (`fees.json` for
 * `config/fees.json`): definitions naming it read it. Undefined for a source file, and for a name of
 * fewer than four characters, which would match too much to mean anything.
 */
export function nonSourceName(file: string | null): string | undefined {
  if (file === null || languageOf(file)) return undefined;
  const name = file.slice(file.lastIndexOf('/') + 1);
  return name.length < 4 ? undefined : name;
}

const nameScanKey = (name: string, hash: string): string => `names:${name}:${hash}`;

/** The lines of a blob naming `name`, as an earlier run found them (with the rules' scans, by blob id), or undefined. */
export function cachedNameLines(scans: TextRuleScans | undefined, name: string, hash: string): number[] | undefined {
  const v = scans?.get(nameScanKey(name, hash));
  return wellFormedLines(v, (s) => s === name) ? v.lines.map((l) => l[0]) : undefined;
}

/**
 * The lines of a source that name `name`: kept by blob id, so a later change of the same file (a
 * release bumping `package.json`) need not read every source of the repository again to know.
 */
function linesNaming(source: GraphFile, name: string, scans: TextRuleScans | undefined): number[] {
  const cached = source.hash === undefined ? undefined : cachedNameLines(scans, name, source.hash);
  if (cached) return cached;
  const out: number[] = [];
  if (source.text.includes(name)) {
    const lines = source.text.split('\n');
    for (let i = 0; i < lines.length; i++) if (lines[i]!.includes(name)) out.push(i + 1);
  }
  if (source.hash !== undefined) scans?.set(nameScanKey(name, source.hash), { lines: out.map((l) => [l, name]) });
  return out;
}

function ruleLinesOf(source: GraphFile, rules: TextRules, scans: TextRuleScans | undefined): [number, string][] {
  const cached = source.hash === undefined ? undefined : cachedRuleLines(scans, rules, source.hash);
  if (cached) return cached;
  const lines = scanTextRules(source.text, rules);
  if (source.hash !== undefined) scans?.set(ruleScanKey(rules, source.hash), { lines });
  return lines;
}

/**
 * A whole-line comment with no effect on the program. Directives that look like comments are not
 * inert: shebangs and Python encoding cookies, Go build constraints and `//go:` directives, TS
 * triple-slash references and pragmas (`@ts-…`, `eslint`, JSDoc types in JS are left as changes).
 */
export function isInertComment(line: string, language: string, lineNo: number): boolean {
  const t = line.trim();
  if (language === 'python') {
    if (!t.startsWith('#')) return false;
    if (lineNo <= 2 && (t.startsWith('#!') || /coding[:=]/.test(t))) return false;
    return !/^#\s*type:/.test(t);
  }
  if (!t.startsWith('//')) return false;
  if (language === 'go') return !/^\/\/(go:|\s*\+build)/.test(t);
  if (language === 'ts' || language === 'js') return !/^\/\/\/|@ts-|eslint|@jsx/.test(t);
  return true;
}

/**
 * Changed definitions of one revision: the innermost definition around each changed line, plus
 * every function reading a changed binding. With the other revision's graph, an import binding
 * whose statement was edited but that names the same thing in both is not a changed binding.
 */
export function changedDefinitions(graph: CallGraph, changes: FileChange[], revision: Revision, other?: CallGraph, scans?: TextRuleScans): ChangedFunction[] {
  const out = new Map<string, ChangedFunction>();
  const add = (d: Definition, line: number | undefined, via: 'lines' | 'binding', binding?: string): void => {
    let c = out.get(d.id);
    if (!c) {
      c = { id: d.id, file: d.file, revision, kind: d.kind, lines: [], via, ...(binding ? { binding } : {}) };
      out.set(d.id, c);
    } else if (c.via === 'binding' && via === 'lines') {
      c.via = 'lines';
      delete c.binding;
    }
    if (line !== undefined && !c.lines.includes(line)) c.lines.push(line);
  };
  const changedBindings = new Set<string>();
  const changedFiles = new Set<string>();
  for (const ch of changes) {
    const file = revision === 'base' ? ch.oldPath : ch.newPath;
    if (!file) continue;
    changedFiles.add(file);
    const lines = revision === 'base' ? ch.oldLines : ch.newLines;
    const source = graph.files.get(file);
    const texts = source ? source.text.split('\n') : [];
    const innermost = innermostByLine(graph, file);
    for (const l of lines) {
      const d = innermost[l];
      // blank lines never change behaviour; a comment outside any function does not change the module
      const text = texts[l - 1] ?? '';
      if (source && (text.trim() === '' || (d?.kind === 'module' && isInertComment(text, source.language, l)))) continue;
      if (d) add(d, l, 'lines');
      for (const b of bindingsAt(graph, file, l)) changedBindings.add(b.id);
    }
    if (revision === 'head') {
      for (const a of ch.newAnchors) {
        const d = innermostDefinition(graph, file, [a, a + 1]);
        if (d) add(d, a, 'lines');
      }
    }
  }
  if (other) for (const b of changedBindings) if (sameImport(graph, other, b)) changedBindings.delete(b);
  // a changed constant/configuration value changes every function that reads it, and every
  // binding whose initializer reads it or holds such a function (`const B = A.filter((t) => …)`),
  // and so on to their readers
  // built only once a binding has changed: a stored graph's read map is not built otherwise
  let readers: Map<string, string[]> | undefined;
  const queue = [...changedBindings];
  const changeBinding = (id: string): void => {
    if (changedBindings.has(id)) return;
    changedBindings.add(id);
    queue.push(id);
  };
  const propagate = (): void => {
    for (let b = queue.pop(); b !== undefined; b = queue.pop()) {
      readers ??= readersOf(graph);
      for (const r of readers.get(b) ?? []) {
        const d = graph.defs.get(r);
        if (!d) continue;
        if (d.kind === 'binding') changeBinding(d.id);
        else {
          add(d, undefined, 'binding', b);
          for (const around of bindingsAround(graph, d)) changeBinding(around.id);
        }
      }
    }
  };
  propagate();
  // a changed non-source file (JSON/YAML/INI config) changes every definition that names it
  for (const ch of changes) {
    const file = revision === 'base' ? ch.oldPath : ch.newPath;
    const name = nonSourceName(file);
    if (!file || !name) continue;
    for (const [src, source] of graph.files) {
      for (const l of linesNaming(source, name, scans)) {
        const d = innermostByLine(graph, src)[l];
        if (d && d.kind !== 'module') add(d, undefined, 'binding', file);
      }
    }
  }
  // a binding whose initializer calls code (`const FEES = buildFees()`: the binding's call edges)
  // changes when anything that code calls, transitively through typed calls, has changed. A call
  // resolved by name only is not followed: one untyped `hash.update()` on the way would make every
  // `update` of the repository, and all they call, part of the value. Each round walks callers
  // from the definitions changed since the last, never a node twice, so all rounds together walk
  // the graph at most once
  const initializers = out.size > 0 ? initializerCallers(graph) : undefined;
  if (initializers && initializers.size > 0) {
    const index = callIndexOf(graph);
    const reaches = new Uint8Array(index.ids.length);
    // `out` keeps insertion order: what a round changed is what stands past the previous size
    let seeds = [...out.keys()];
    while (seeds.length > 0) {
      const size = out.size;
      for (const b of index.typedCallersOf(seeds, reaches)) if (initializers.has(b)) changeBinding(b);
      propagate();
      seeds = [...out.keys()].slice(size);
    }
  }
  return [...out.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Whether binding `id` is an import that binds its name to the same thing in both graphs. */
function sameImport(graph: CallGraph, other: CallGraph, id: string): boolean {
  const a = importTargetOf(graph, id);
  return a !== undefined && a === importTargetOf(other, id);
}

/** By the graph's sources, which each run gives the graph anew: a text read is never reused by a later run (a long-lived process checks the texts each run reads). */
const linesCache = new WeakMap<CallGraph['files'], Map<string, string[]>>();

/** A file's lines in a graph, split once (an import of many names asks for each). */
function linesOf(graph: CallGraph, file: string): string[] {
  let byFile = linesCache.get(graph.files);
  if (!byFile) linesCache.set(graph.files, (byFile = new Map<string, string[]>()));
  let lines = byFile.get(file);
  if (!lines) byFile.set(file, (lines = graph.files.get(file)?.text.split('\n') ?? []));
  return lines;
}

function importTargetOf(graph: CallGraph, id: string): string | undefined {
  const d = graph.defs.get(id);
  const source = d && graph.files.get(d.file);
  if (!d || d.kind !== 'binding' || !source) return undefined;
  const module = (defsByFile(graph).get(d.file) ?? []).find((m) => m.kind === 'module' && id.startsWith(`${m.id}.`));
  if (!module) return undefined;
  const statement = linesOf(graph, d.file)
    .slice(d.startLine - 1, d.endLine)
    .join('\n');
  return importTarget(statement, source.language, id.slice(module.id.length + 1));
}

/** Shortest call paths between the roots and the changed definitions, in both directions, by multi-source BFS. */
export function callPaths(graph: CallGraph, roots: Map<string, RootInfo>, changed: ChangedFunction[], revision: Revision): GatePath[] {
  const paths: GatePath[] = [];
  const index = callIndexOf(graph);
  const sortedRoots = [...roots.keys()].sort();
  const rootNumbers = sortedRoots.map((r) => index.of(r));
  const targets = changed.filter((c) => !roots.has(c.id));
  const label = (c: ChangedFunction): string => (c.via === 'binding' ? `(changed: reads ${c.binding})` : '(changed)');
  /** A path along `numbers` (caller before callee), its text written once, flat: a large change lists thousands. */
  const emit = (c: ChangedFunction, numbers: number[], direction: GatePath['direction']): void => {
    if (numbers.length === 0) return;
    const nodes = numbers.map((n) => index.ids[n]!);
    const root = direction === 'root-reaches-changed' ? nodes[0]! : nodes[nodes.length - 1]!;
    const at = direction === 'root-reaches-changed' ? nodes.length - 1 : 0;
    const nameOnlyAt: number[] = [];
    const parts: string[] = [nodes[0]!];
    if (at === 0) parts.push(' ', label(c));
    for (let i = 1; i < nodes.length; i++) {
      const byName = index.isNameOnly(numbers[i - 1]!, numbers[i]!);
      if (byName) nameOnlyAt.push(i - 1);
      parts.push(byName ? ' ⇢ ' : ' → ', nodes[i]!);
      if (i === at) parts.push(' ', label(c));
    }
    if (nameOnlyAt.length > 0) parts.push(` [${nameOnlyAt.length} of ${nodes.length - 1} call(s) resolved by name only]`);
    const text = parts.join('');
    paths.push({
      root,
      rootRule: roots.get(root)!.rule,
      changed: c.id,
      direction,
      revision,
      nodes,
      nameOnlyEdges: nameOnlyAt.length,
      nameOnlyAt,
      zoneAt: [],
      text,
    });
  };

  if (targets.length <= sortedRoots.length || sortedRoots.length > MAX_ROOTS_SEARCHED_SEPARATELY) {
    if (targets.length <= MAX_ROOTS_SEARCHED_SEPARATELY) {
      // one search from each change lists every (root, change) pair: walking callers from the
      // change, each root's parent chain is its shortest path down to the change (and vice versa).
      // Each search stays among the nodes a root reaches (callers) or that reach a root (callees):
      // every node of such a path is one, a node outside never leads back inside, so the paths
      // found are the same, without walking the rest of a large graph once per change
      const reachedByRoots = index.reachable(rootNumbers, 'callees');
      const reachingRoots = index.reachable(rootNumbers, 'callers');
      for (const c of targets) {
        const n = index.of(c.id);
        if (n < 0) continue;
        if (reachedByRoots[n]) {
          const callers = index.search([n], 'callers', reachedByRoots);
          for (const r of rootNumbers) emit(c, index.chain(callers, r), 'root-reaches-changed');
        }
        if (reachingRoots[n]) {
          const callees = index.search([n], 'callees', reachingRoots);
          for (const r of rootNumbers) emit(c, index.chain(callees, r).reverse(), 'changed-reaches-root');
        }
      }
      return paths;
    }
    // very many changes and very many roots (a broad rule and a large refactor): one
    // multi-source search per direction keeps it linear and lists the nearest root per change
    const fromRoots = index.search(rootNumbers, 'callees');
    for (const c of targets) emit(c, index.chain(fromRoots, index.of(c.id)).reverse(), 'root-reaches-changed');
    const toRoots = index.search(rootNumbers, 'callers');
    for (const c of targets) emit(c, index.chain(toRoots, index.of(c.id)), 'changed-reaches-root');
    return paths;
  }
  // fewer roots than changes (e.g. a renamed file): one search per root
  for (const r of rootNumbers) {
    if (r < 0) continue;
    const fromRoot = index.search([r], 'callees');
    for (const c of targets) emit(c, index.chain(fromRoot, index.of(c.id)).reverse(), 'root-reaches-changed');
    const toRoot = index.search([r], 'callers');
    for (const c of targets) emit(c, index.chain(toRoot, index.of(c.id)), 'changed-reaches-root');
  }
  return paths;
}

/** The first configured zone whose path glob matches a file (what a path's drawing groups nodes by). */
function zoneLookup(config: GateConfig): (file: string | undefined) => string | null {
  const zones = config.zones.map((z) => ({ name: z.name, isIn: picomatch(z.path, { dot: true }) }));
  return (file) => (file === undefined ? null : (zones.find((z) => z.isIn(file))?.name ?? null));
}

export function matchZones(config: GateConfig, files: string[]): ZoneMatch[] {
  const out: ZoneMatch[] = [];
  for (const z of config.zones) {
    const isIn = picomatch(z.path, { dot: true });
    const hit = files.filter((f) => isIn(f));
    if (hit.length === 0) continue;
    out.push({
      name: z.name,
      path: z.path,
      obligations: z.obligations,
      approvers: z.approvers,
      approverGroups: z.approver_groups,
      sharedPaths: z.shared_paths,
      files: hit,
      requiresReview: z.obligations.length > 0 || z.approvers.length > 0 || z.approver_groups.length > 0,
    });
  }
  return out;
}

export interface DecideInput {
  base: { commit: string; graph: CallGraph };
  head: { commit: string; graph: CallGraph };
  changes: FileChange[];
  config: GateConfig;
  /** What the SQL and payment-host rules found in blobs before (a warm run then reads no unchanged file). */
  scans?: TextRuleScans;
}

/**
 * The whole decision over two graphs and a diff. It reads the graphs' texts (which may be read from
 * git when first used) and records in `scans` what the SQL/host rules find in a blob.
 */
export function decide(input: DecideInput): GateResult {
  const { config, changes } = input;
  const reasons: GateReason[] = [];
  const paths: GatePath[] = [];
  const changedFunctions: ChangedFunction[] = [];
  let headRoots: string[] = [];
  for (const revision of ['head', 'base'] as const) {
    const graph = input[revision].graph;
    const roots = findRoots(graph, config, input.scans);
    if (revision === 'head') headRoots = [...roots.keys()].sort();
    const changed = changedDefinitions(graph, changes, revision, input[revision === 'head' ? 'base' : 'head'].graph, input.scans);
    // appended one by one: a spread of a large refactor's lists would exceed the call stack
    for (const c of changed) changedFunctions.push(c);
    for (const c of changed) {
      const r = roots.get(c.id);
      if (r) {
        const text = `${c.id} ${c.via === 'binding' ? `(changed: reads ${c.binding})` : '(changed)'}`;
        paths.push({
          root: c.id,
          rootRule: r.rule,
          changed: c.id,
          direction: 'root-reaches-changed',
          revision,
          nodes: [c.id],
          nameOnlyEdges: 0,
          nameOnlyAt: [],
          zoneAt: [],
          text,
        });
      }
    }
    for (const p of callPaths(graph, roots, changed, revision)) paths.push(p);
  }
  // a path found in both revisions is reported once, as the first (head's); one pass, since a
  // large change lists thousands of paths
  const zoneOf = zoneLookup(config);
  const seen: Record<GatePath['direction'], Set<string>> = { 'root-reaches-changed': new Set(), 'changed-reaches-root': new Set() };
  const uniquePaths: GatePath[] = [];
  for (const p of paths) {
    if (seen[p.direction].has(p.text)) continue;
    seen[p.direction].add(p.text);
    const rule = p.rootRule === 'root' ? '' : ` [${p.root}: ${p.rootRule}]`;
    reasons.push({ kind: p.nodes.length === 1 ? 'root-changed' : 'call-path', message: `${p.text}${rule} (${p.revision})`, id: p.changed });
    const defs = input[p.revision].graph.defs;
    uniquePaths.push({ ...p, zoneAt: p.nodes.map((n) => zoneOf(defs.get(n)?.file)) });
  }

  // changed lines that themselves write regulated tables or name payment hosts (also catches deleted lines and non-code files)
  const sql = sqlWriteRegex(config.sql_tables);
  const host = hostRegex(config.payment_hosts);
  if (sql || host) {
    for (const ch of changes) {
      for (const revision of ['base', 'head'] as const) {
        const file = revision === 'base' ? ch.oldPath : ch.newPath;
        const text = file ? input[revision].graph.files.get(file)?.text : undefined;
        if (!file || text === undefined) continue;
        const lines = text.split('\n');
        for (const l of revision === 'base' ? ch.oldLines : ch.newLines) {
          const line = lines[l - 1] ?? '';
          const s = sql?.exec(line);
          if (s) reasons.push({ kind: 'sql', message: `${file}:${l} (${revision}) changes SQL that writes table ${s[1]}`, file });
          const h = host?.exec(line);
          if (h) reasons.push({ kind: 'host', message: `${file}:${l} (${revision}) changes a call to payment host ${h[1]}`, file });
        }
      }
    }
  }

  const changedFiles = [...new Set(changes.flatMap((c) => [c.oldPath, c.newPath]).filter((p): p is string => p !== null))].sort();
  const zones = matchZones(config, changedFiles);
  for (const z of zones) {
    if (!z.requiresReview) continue;
    const duties = [
      z.obligations.length ? `obligations: ${z.obligations.join(', ')}` : '',
      z.approvers.length ? `approvers: ${z.approvers.join(', ')}` : '',
      z.approverGroups.length ? `approver groups: ${z.approverGroups.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    reasons.push({ kind: 'zone', message: `zone ${z.name} (${z.path}) touched by ${z.files.join(', ')}; ${duties}`, file: z.files[0] });
  }

  const unparsable: GateResult['unparsable'] = [];
  for (const revision of ['base', 'head'] as const) {
    for (const u of input[revision].graph.unparsable) {
      unparsable.push({ ...u, revision });
      const isChanged = changes.some((c) => (revision === 'base' ? c.oldPath : c.newPath) === u.file);
      if (isChanged) reasons.push({ kind: 'unparsable', message: `cannot analyse changed file ${u.file} (${revision}): ${u.reason}`, file: u.file });
    }
  }

  const readScope = zones.length > 0 ? [...new Set([...zones.flatMap((z) => [z.path, ...z.sharedPaths]), ...config.shared_paths])] : [];
  return {
    flagged: reasons.length > 0,
    reasons,
    paths: uniquePaths,
    changedFunctions,
    zones,
    readScope,
    unparsable,
    changedFiles,
    base: input.base.commit,
    head: input.head.commit,
    roots: headRoots,
    excluded: [],
  };
}
