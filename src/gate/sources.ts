import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { UsageError } from '../domain/errors.js';
import type { GateLanguage } from './types.js';

/** One source file of one revision; `hash` is git's blob id of the content (the cache key). */
export interface SourceFile {
  path: string;
  text: string;
  hash: string;
  language: GateLanguage;
}

const DEFAULT_EXCLUDES = ['**/node_modules/**', '**/.git/**', '**/vendor/**', '**/*.min.js', '**/*.d.ts', '**/*.d.mts', '**/*.d.cts'];

export function languageOf(file: string): GateLanguage | undefined {
  if (/\.py$/.test(file)) return 'python';
  if (/\.(ts|tsx|mts|cts)$/.test(file)) return /\.d\.[mc]?ts$/.test(file) ? undefined : 'ts';
  if (/\.(js|jsx|mjs|cjs)$/.test(file)) return 'js';
  if (/\.go$/.test(file)) return 'go';
  if (/\.java$/.test(file)) return 'java';
  return undefined;
}

/** Same id git gives the blob, so working-tree and revision files share cache entries. */
export function gitBlobHash(content: Buffer | string): string {
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

/** tsconfig.json / jsconfig.json (and tsconfig.*.json they extend): read with the TypeScript sources (their `paths` aliases resolve imports), never analysed as code. */
export function isTsConfigFile(file: string): boolean {
  return /(^|\/)(tsconfig|jsconfig)(\.[\w.-]+)?\.json$/.test(file);
}

export interface SourceFilter {
  languages?: GateLanguage[];
  exclude?: string[];
}

function makeFilter(filter: SourceFilter): (file: string) => GateLanguage | undefined {
  const excluded = picomatch([...DEFAULT_EXCLUDES, ...(filter.exclude ?? [])], { dot: true });
  const langs = filter.languages ? new Set(filter.languages) : undefined;
  return (file) => {
    const lang = languageOf(file) ?? (isTsConfigFile(file) ? (/(^|\/)jsconfig[^/]*$/.test(file) ? 'js' : 'ts') : undefined);
    if (!lang || excluded(file)) return undefined;
    if (langs && !langs.has(lang)) return undefined;
    return lang;
  };
}

/**
 * Files git would consider part of the work tree under `root` (tracked plus untracked, minus
 * .gitignore'd: build output such as dist/ stays out); undefined when `root` is not in a work tree.
 */
function gitListedFiles(root: string): string[] | undefined {
  const res = spawnSync('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--deduplicate', '--', '.'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (res.error || res.status !== 0) return undefined;
  return res.stdout.split('\0').filter((f) => f.length > 0);
}

/** Source files of a directory on disk (for `bulwark callgraph DIR`). */
export function readDirectorySources(root: string, filter: SourceFilter = {}): SourceFile[] {
  const accept = makeFilter(filter);
  const out: SourceFile[] = [];
  const listed = gitListedFiles(root);
  if (listed) {
    for (const rel of listed.sort()) {
      const lang = accept(rel);
      if (!lang) continue;
      let buf: Buffer;
      try {
        buf = readFileSync(path.join(root, rel));
      } catch {
        continue; // listed by the index but deleted or not a regular file in the work tree
      }
      out.push({ path: rel, text: buf.toString('utf8'), hash: gitBlobHash(buf), language: lang });
    }
    return out;
  }
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(path.join(root, dir), { withFileTypes: true });
    } catch (err) {
      throw new UsageError(`cannot read directory ${path.join(root, dir)}: ${(err as Error).message}`);
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name === 'node_modules' || e.name === '.git') continue;
        walk(rel);
      } else if (e.isFile()) {
        const lang = accept(rel);
        if (!lang) continue;
        const full = path.join(root, rel);
        const buf = readFileSync(full);
        out.push({ path: rel, text: buf.toString('utf8'), hash: gitBlobHash(buf), language: lang });
      }
    }
  };
  walk('');
  return out;
}

export function git(repoDir: string, args: string[], input?: string): string {
  const res = spawnSync('git', ['-C', repoDir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, input });
  if (res.error) throw new UsageError(`cannot run git: ${res.error.message}`);
  if (res.status !== 0) throw new UsageError(`git ${args[0]} failed in ${repoDir}: ${(res.stderr || '').trim().split('\n')[0]}`);
  return res.stdout;
}

/** Resolves a revision to a commit id; a one-line usage error when it does not exist. */
export function resolveCommit(repoDir: string, ref: string): string {
  const res = spawnSync('git', ['-C', repoDir, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { encoding: 'utf8' });
  if (res.error) throw new UsageError(`cannot run git: ${res.error.message}`);
  if (res.status !== 0) {
    const top = spawnSync('git', ['-C', repoDir, 'rev-parse', '--git-dir'], { encoding: 'utf8' });
    if (top.status !== 0) throw new UsageError(`not a git repository: ${repoDir}`);
    throw new UsageError(`unknown revision: ${ref}`);
  }
  return res.stdout.trim();
}

/**
 * Source files of a commit, read from git objects (never from the working tree).
 */
export function readRevisionSources(repoDir: string, commit: string, filter: SourceFilter = {}, known?: SourceFile[]): SourceFile[] {
  const accept = makeFilter(filter);
  const listing = git(repoDir, ['ls-tree', '-r', '-z', '--full-tree', commit]);
  const wanted: { path: string; hash: string; language: GateLanguage }[] = [];
  for (const entry of listing.split('\0')) {
    if (!entry) continue;
    const tab = entry.indexOf('\t');
    const [mode, type, hash] = entry.slice(0, tab).split(' ');
    const file = entry.slice(tab + 1);
    if (type !== 'blob' || mode === '120000' || !hash) continue;
    const lang = accept(file);
    if (lang) wanted.push({ path: file, hash, language: lang });
  }
  if (wanted.length === 0) return [];
  // blobs already read for the other revision are not read again
  const texts = new Map((known ?? []).map((k) => [k.hash, k.text]));
  const missing = wanted.filter((w) => !texts.has(w.hash));
  const buf = missing.length === 0 ? Buffer.alloc(0) : execFileSync('git', ['-C', repoDir, 'cat-file', '--batch'], {
    input: missing.map((w) => w.hash).join('\n') + '\n',
    maxBuffer: 1 << 30,
  });
  const out: SourceFile[] = [];
  for (const w of wanted) {
    const text = texts.get(w.hash);
    if (text !== undefined) out.push({ path: w.path, text, hash: w.hash, language: w.language });
  }
  let pos = 0;
  for (const w of missing) {
    const nl = buf.indexOf(10, pos);
    const header = buf.subarray(pos, nl).toString('utf8');
    const size = Number(header.split(' ')[2]);
    if (!Number.isFinite(size)) throw new UsageError(`git cat-file: unexpected header for ${w.path}: ${header}`);
    const content = buf.subarray(nl + 1, nl + 1 + size);
    pos = nl + 1 + size + 1;
    out.push({ path: w.path, text: content.toString('utf8'), hash: w.hash, language: w.language });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
