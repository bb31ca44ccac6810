import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Bump when extractors change what they produce, so stale entries are never reused. */
export const CACHE_FORMAT = 'gate-v1';

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
  private entries = new Map<string, T>();
  private readonly used = new Set<string>();
  private dirty = false;
  private readonly file: string | undefined;

  constructor(dir: string | undefined, kind: string) {
    this.file = dir ? path.join(dir, `${CACHE_FORMAT}-${kind}.json`) : undefined;
    if (!this.file) return;
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as { format: string; entries: [string, T][] };
      if (data.format === CACHE_FORMAT && Array.isArray(data.entries)) this.entries = new Map(data.entries);
    } catch {
      // missing or unreadable cache: start empty (a cache is never a source of truth)
    }
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
