import { createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, futimesSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gateCodeVersion } from './code-version.js';
import { keepsStateAcrossRuns } from './long-lived.js';
import { writePrivateFileAtomically } from './private-file.js';
import { readUtf8 } from './utf8-file.js';

/**
 * Bump when extractors change what they produce, so stale entries are never reused. Stored graphs,
 * resolutions and TypeScript edges also carry the gate's code version (code-version.ts): a change
 * to a resolver or to the TypeScript walk needs no bump.
 */
export const CACHE_FORMAT = 'gate-v51';

/**
 * With BULWARK_GATE_CACHE_KEY set (a secret the pull-request side never sees, e.g. a CI secret
 * withheld from fork builds), every cache file carries an HMAC-SHA256 of its content under that
 * key, and a file whose MAC does not verify is ignored like a missing one: entries planted by code
 * that can write the cache directory but does not hold the key are never used. Without the key
 * the cache is plain JSON and only as trustworthy as its directory.
 */
const MAC_ENV = 'BULWARK_GATE_CACHE_KEY';

/**
 * The MAC of a cache body in its place: the format, kind and file it was written for are part of
 * it, so a file or journal line copied under another format (one a format bump retired), kind or
 * name never verifies.
 */
function macOf(key: string, place: string, body: string): string {
  return createHmac('sha256', key).update(`${place}\0${body}`).digest('hex');
}

/**
 * A long-lived process (the resident gate) keeps what it parsed of each cache file, with the
 * file's identity (device, inode, size, modification and change times): a run after an edit
 * then parses again only the files that changed on disk since (a journal a run appended to, a
 * pack or graph a run wrote), not the megabytes of packs and the base's graph that every run
 * reads the same. Bulwark's writers never write a file in place: a pack or graph is renamed over,
 * a journal only grows, and either changes the identity. Should another writer's file ever match
 * a kept identity (same inode reused, same size, within the clock's granularity), what is kept is
 * still entries keyed by content (and graphs by their tree and code version): a stale one costs
 * a miss, never another decision. What is kept is frozen: a reader that changed an entry would
 * change it for every later run, so it fails instead. Not with a MAC key: the resident gate is
 * never given one, and a process that holds one checks every file it reads. Only in a process
 * that keeps state across runs (long-lived.ts); any other keeps nothing.
 */
const kept = new Map<string, { id: string; data: unknown }>();
/**
 * How many files are kept, the most recently read first: a few packs and journals, the bases'
 * graphs and the resolutions of the revisions in play; a file read less recently than that many
 * others (a base left behind, another cache folder) is parsed again if it is ever read again.
 */
const KEPT_FILES = 32;

function identityOf(fd: number): string {
  const st = fstatSync(fd, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** Freezes parsed JSON throughout (objects and arrays; the rest is immutable already), without recursion: JSON may nest deeper than the stack. */
function deepFreeze<T>(value: T): T {
  const todo: unknown[] = [value];
  while (todo.length > 0) {
    const v = todo.pop();
    if (v === null || typeof v !== 'object' || Object.isFrozen(v)) continue;
    Object.freeze(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') todo.push(child);
  }
  return value;
}

/**
 * A cache file read and parsed by `parse`, or what this process kept of it when its identity is
 * the same (a file's name fixes how it is parsed); undefined when it is missing or unreadable
 * (parse errors are `parse`'s to handle). With `touch`, a file whose content it accepts is
 * touched (the newest-first pruning's hint) through the descriptor that read it, and the identity
 * kept is the one after the touch: a file renamed over the path meanwhile is not taken for it.
 */
function readParsed<T>(file: string, parse: (text: string) => T, touch?: (parsed: T) => boolean): T | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY);
  } catch {
    kept.delete(file);
    return undefined;
  }
  try {
    const keeping = keepsStateAcrossRuns() && !process.env[MAC_ENV];
    const known = kept.get(file);
    kept.delete(file);
    let id = keeping ? identityOf(fd) : undefined;
    const data = known && known.id === id ? (known.data as T) : keeping ? deepFreeze(parse(readUtf8(fd))) : parse(readUtf8(fd));
    if (touch?.(data)) {
      try {
        const now = new Date();
        futimesSync(fd, now, now);
        if (keeping) id = identityOf(fd);
      } catch {
        // the newest-first pruning only loses its hint
      }
    }
    if (id !== undefined) {
      kept.set(file, { id, data });
      if (kept.size > KEPT_FILES) kept.delete(kept.keys().next().value!);
    }
    return data;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A cache file's JSON, or undefined when it is missing, unreadable or (with a key) not authentic. */
function readCacheFile(file: string, place: string, touch?: (parsed: unknown) => boolean): unknown {
  return readParsed(file, (text) => parseCacheText(text, place), touch);
}

function parseCacheText(text: string, place: string): unknown {
  const key = process.env[MAC_ENV];
  if (key) {
    const nl = text.indexOf('\n');
    const mac = Buffer.from(nl > 0 ? text.slice(0, nl) : '', 'utf8');
    text = nl > 0 ? text.slice(nl + 1) : '';
    const want = Buffer.from(macOf(key, place, text), 'utf8');
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes atomically and privately; with a key, the MAC on the first line. */
function writeCacheFile(file: string, place: string, data: unknown): void {
  const body = JSON.stringify(data);
  const key = process.env[MAC_ENV];
  writePrivateFileAtomically(file, key ? `${macOf(key, place, body)}\n${body}` : body);
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME && path.isAbsolute(process.env.XDG_CACHE_HOME) ? process.env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'bulwark', 'gate');
}

/**
 * A JSON pack of parse results keyed by content hash: one file per kind, loaded once. A run that
 * adds a few entries appends them to the pack's journal (one JSON line each, with the MAC first
 * under a key) instead of rewriting megabytes for them; a run that adds many, or finds the
 * journal grown past an eighth of the pack, rewrites the pack atomically (temp + rename) with
 * the journal folded in and removes the journal. Entries unused by the last run are dropped (at
 * a rewrite) when they outnumber the used ones, so the pack tracks the revisions in play.
 * Entries are keyed by content, so an entry written twice, or lost to a concurrent rewrite, only
 * costs time.
 */
export class ParseCache<T> {
  private loaded: Map<string, T> | undefined;
  private readonly used = new Set<string>();
  /** Entries set by this run, in order (what a journal append writes). */
  private readonly added = new Map<string, T>();
  private packEntries = 0;
  private journalEntries = 0;
  private readonly file: string | undefined;
  private readonly journal: string | undefined;
  /** What the MACs bind a body to: this format and kind. */
  private readonly place: string;

  constructor(dir: string | undefined, kind: string) {
    this.place = `${CACHE_FORMAT}\0${kind}`;
    this.file = dir ? path.join(dir, `${CACHE_FORMAT}-${kind}.json`) : undefined;
    this.journal = dir ? path.join(dir, `${CACHE_FORMAT}-${kind}.journal`) : undefined;
  }

  /** Loaded on first use, so a run that never needs a pack never pays for reading it. */
  private get entries(): Map<string, T> {
    if (this.loaded) return this.loaded;
    this.loaded = new Map();
    if (!this.file || !this.journal) return this.loaded;
    // missing, unreadable or not authentic: start empty (a cache is never a source of truth)
    const data = readCacheFile(this.file, this.place) as { format?: unknown; entries?: unknown } | undefined;
    if (data && data.format === CACHE_FORMAT && Array.isArray(data.entries)) {
      this.loaded = new Map((data.entries as unknown[]).filter(wellFormedEntry<T>));
      this.packEntries = this.loaded.size;
    }
    for (const [k, v] of readJournal<T>(this.journal, `${this.place}\0journal`)) {
      this.loaded.set(k, v);
      this.journalEntries++;
    }
    return this.loaded;
  }

  get(key: string): T | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) this.used.add(key);
    return v;
  }

  set(key: string, value: T): void {
    this.entries.set(key, value);
    this.used.add(key);
    this.added.set(key, value);
  }

  save(): void {
    if (!this.file || !this.journal || this.added.size === 0) return;
    const prune = this.entries.size > 2 * this.used.size + 1000;
    const journalled = this.journalEntries + this.added.size;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      if (!prune && this.packEntries > 0 && journalled <= Math.max(64, this.packEntries / 8)) {
        appendJournal(this.journal, `${this.place}\0journal`, this.added);
        this.journalEntries = journalled;
      } else {
        let entries = [...this.entries];
        if (prune) entries = entries.filter(([k]) => this.used.has(k));
        writeCacheFile(this.file, this.place, { format: CACHE_FORMAT, entries });
        rmSync(this.journal, { force: true });
        this.packEntries = entries.length;
        this.journalEntries = 0;
        removeOlderFormats(path.dirname(this.file), path.basename(this.file).slice(CACHE_FORMAT.length));
      }
      this.added.clear();
    } catch {
      // an unwritable cache only costs time on the next run
    }
  }
}

/**
 * In a long-lived process a stored graph waits in memory until flushCacheWrites: the gate run
 * writes it once the texts it took from earlier runs are confirmed (index.ts), and the resident
 * gate only after its answer has gone (`deferCacheWrites`), so a client does not wait for the
 * megabytes of its head's graph to reach the disk. Meanwhile this process reads a graph from what
 * waits to be written; another process finds it missing (and builds it), as while any run is
 * writing it. A process of its own writes at once.
 */
let deferring = false;
/** Graphs waiting to be written; `checked` once the run that built them confirmed the texts it took. */
const deferred = new Map<string, { graph: unknown; write: () => void; checked: boolean }>();

/** From now on, stored graphs wait for a flushCacheWrites after each answer (a process that answers before it writes). */
export function deferCacheWrites(): void {
  deferring = true;
}

/** Whether the process writes stored graphs only after its answer (it flushes them itself then). */
export function cacheWritesWaitForAnswer(): boolean {
  return deferring;
}

/** The graphs that wait were built from texts git confirmed: they may be written. */
export function confirmCacheWrites(): void {
  for (const d of deferred.values()) d.checked = true;
}

/**
 * Writes the stored graphs that wait and were confirmed, oldest first (a write that fails only
 * costs a later run time, as always); one from a run still unchecked (a resident gate stopped
 * mid-evaluation) is never written.
 */
export function flushCacheWrites(): void {
  for (const [file, { write, checked }] of [...deferred]) {
    if (!checked) continue;
    deferred.delete(file);
    write();
  }
}

/** Drops the stored graphs that wait, unwritten (a run whose texts turned out stale). */
export function discardCacheWrites(): void {
  deferred.clear();
}

/** Packs and journals of this kind in older formats are never read again: removed when the current pack is rewritten. */
function removeOlderFormats(dir: string, suffix: string): void {
  const journalSuffix = suffix.replace(/\.json$/, '.journal');
  for (const name of readdirSync(dir)) {
    const m = /^gate-v\d+(-.*)$/.exec(name);
    if (m && !name.startsWith(`${CACHE_FORMAT}-`) && (m[1] === suffix || m[1] === journalSuffix)) rmSync(path.join(dir, name), { force: true });
  }
}

function wellFormedEntry<T>(e: unknown): e is [string, T] {
  return Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && e[1] !== null && typeof e[1] === 'object';
}

/** A journal's entries: one JSON line each, after its MAC and a tab under a key; a line that does not verify or parse (a torn last line) is skipped. */
function readJournal<T>(file: string, place: string): [string, T][] {
  return readParsed(file, (text) => parseJournal<T>(text, place)) ?? [];
}

function parseJournal<T>(text: string, place: string): [string, T][] {
  const key = process.env[MAC_ENV];
  const out: [string, T][] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let body = line;
    if (key) {
      const tab = line.indexOf('\t');
      const mac = Buffer.from(tab > 0 ? line.slice(0, tab) : '', 'utf8');
      body = tab > 0 ? line.slice(tab + 1) : '';
      const want = Buffer.from(macOf(key, place, body), 'utf8');
      if (mac.length !== want.length || !timingSafeEqual(mac, want)) continue;
    }
    let entry: unknown;
    try {
      entry = JSON.parse(body);
    } catch {
      continue;
    }
    if (wellFormedEntry<T>(entry)) out.push(entry);
  }
  return out;
}

/** Appends entries to a journal in one write, never through a symlink; the file is created private. */
function appendJournal<T>(file: string, place: string, entries: Map<string, T>): void {
  const key = process.env[MAC_ENV];
  let text = '';
  for (const e of entries) {
    const body = JSON.stringify(e);
    text += key ? `${macOf(key, place, body)}\t${body}\n` : `${body}\n`;
  }
  // after a line break, so a line torn by an earlier crash never swallows the first entry
  text = `\n${text}`;
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/**
 * Whole resolved graphs, one file per source tree (key: hash of every path and content hash), so
 * a repeated run over an unchanged revision skips parsing and resolution. Keeps the newest few.
 * The same store, of kind `resolution`, keeps one language's resolved edges by the shapes of the
 * facts it read (see resolution-reuse.ts).
 */
export class GraphStore<T> {
  constructor(
    private readonly dir: string | undefined,
    private readonly keep = 8,
    private readonly kind: 'graph' | 'resolution' = 'graph',
  ) {}

  private fileFor(key: string): string | undefined {
    return this.dir ? path.join(this.dir, `${CACHE_FORMAT}-${this.kind}-${key}.json`) : undefined;
  }

  /** Whether a graph is stored under `key` (a cheap look before reading any source; the file may still not verify). */
  has(key: string): boolean {
    const file = this.fileFor(key);
    return file !== undefined && (deferred.has(file) || existsSync(file));
  }

  get(key: string): T | undefined {
    const file = this.fileFor(key);
    if (!file) return undefined;
    const waiting = deferred.get(file);
    if (waiting) return waiting.graph as T;
    const place = `${CACHE_FORMAT}\0${this.kind}\0${key}`;
    // made by other code (an upgrade since): what a resolver found then is not what it finds now
    const usable = (d: unknown): d is { graph: T } => {
      const data = d as { format?: unknown; code?: unknown; key?: unknown; graph?: T } | undefined;
      return !!data && data.format === CACHE_FORMAT && data.code === gateCodeVersion() && data.key === key && data.graph !== undefined;
    };
    const data = readCacheFile(file, place, usable);
    return usable(data) ? data.graph : undefined;
  }

  set(key: string, graph: T): void {
    const file = this.fileFor(key);
    if (!file || !this.dir) return;
    if (deferring || keepsStateAcrossRuns()) {
      // the newer graph under this name replaces one still waiting
      deferred.delete(file);
      deferred.set(file, { graph, write: () => this.write(file, key, graph), checked: false });
    } else this.write(file, key, graph);
  }

  private write(file: string, key: string, graph: T): void {
    if (!this.dir) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeCacheFile(file, `${CACHE_FORMAT}\0${this.kind}\0${key}`, { format: CACHE_FORMAT, code: gateCodeVersion(), key, graph });
      const kindFile = new RegExp(`^gate-v\\d+-${this.kind}-.*\\.json$`);
      const graphs = readdirSync(this.dir)
        .filter((n) => kindFile.test(n))
        .map((n) => ({ n, t: statSync(path.join(this.dir!, n)).mtimeMs }))
        .sort((a, b) => b.t - a.t);
      // older formats are never read again; beyond that keep the newest few
      const stale = graphs.filter((g) => !g.n.startsWith(`${CACHE_FORMAT}-`));
      const current = graphs.filter((g) => g.n.startsWith(`${CACHE_FORMAT}-`));
      for (const old of [...stale, ...current.slice(this.keep)]) {
        rmSync(path.join(this.dir, old.n), { force: true });
        kept.delete(path.join(this.dir, old.n));
      }
    } catch {
      // an unwritable cache only costs time on the next run
    }
  }
}
