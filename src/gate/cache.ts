import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Bump when extractors change what they produce, so stale entries are never reused. */
export const CACHE_FORMAT = 'gate-v10';

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME && path.isAbsolute(process.env.XDG_CACHE_HOME) ? process.env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'bulwark', 'gate');
}

/**
 * A JSON pack of parse results keyed by content hash: one file per kind, loaded once and
 * rewritten atomically (temp + rename) at the end of a run. Entries unused by the last run are
 * dropped when they outnumber the used ones, so the pack tracks the revisions in play.
 */
export class ParseCache<T> {
  private loaded: Map<string, T> | undefined;
  private readonly used = new Set<string>();
  private dirty = false;
  private readonly file: string | undefined;

  constructor(dir: string | undefined, kind: string) {
    this.file = dir ? path.join(dir, `${CACHE_FORMAT}-${kind}.json`) : undefined;
  }

  /** Loaded on first use, so a run that never needs a pack never pays for reading it. */
  private get entries(): Map<string, T> {
    if (this.loaded) return this.loaded;
    this.loaded = new Map();
    if (!this.file) return this.loaded;
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as { format: string; entries: [string, T][] };
      if (data.format === CACHE_FORMAT && Array.isArray(data.entries)) this.loaded = new Map(data.entries);
    } catch {
      // missing or unreadable cache: start empty (a cache is never a source of truth)
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
    this.dirty = true;
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    let entries = [...this.entries];
    if (entries.length > 2 * this.used.size + 1000) entries = entries.filter(([k]) => this.used.has(k));
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ format: CACHE_FORMAT, entries }));
      renameSync(tmp, this.file);
      this.dirty = false;
    } catch {
      // an unwritable cache only costs time on the next run
    }
  }
}

/**
 * Whole resolved graphs, one file per source tree (key: hash of every path and content hash), so
 * a repeated run over an unchanged revision skips parsing and resolution. Keeps the newest few.
 */
export class GraphStore<T> {
  constructor(
    private readonly dir: string | undefined,
    private readonly keep = 8,
  ) {}

  private fileFor(key: string): string | undefined {
    return this.dir ? path.join(this.dir, `${CACHE_FORMAT}-graph-${key}.json`) : undefined;
  }

  get(key: string): T | undefined {
    const file = this.fileFor(key);
    if (!file) return undefined;
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as { format: string; key: string; graph: T };
      if (data.format !== CACHE_FORMAT || data.key !== key) return undefined;
      utimesSync(file, new Date(), new Date());
      return data.graph;
    } catch {
      return undefined;
    }
  }

  set(key: string, graph: T): void {
    const file = this.fileFor(key);
    if (!file || !this.dir) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ format: CACHE_FORMAT, key, graph }));
      renameSync(tmp, file);
      const graphs = readdirSync(this.dir)
        .filter((n) => /^gate-v\d+-graph-.*\.json$/.test(n))
        .map((n) => ({ n, t: statSync(path.join(this.dir!, n)).mtimeMs }))
        .sort((a, b) => b.t - a.t);
      // older formats are never read again; beyond that keep the newest few
      const stale = graphs.filter((g) => !g.n.startsWith(`${CACHE_FORMAT}-`));
      const current = graphs.filter((g) => g.n.startsWith(`${CACHE_FORMAT}-`));
      for (const old of [...stale, ...current.slice(this.keep)]) rmSync(path.join(this.dir, old.n), { force: true });
    } catch {
      // an unwritable cache only costs time on the next run
    }
  }
}
