import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../domain/errors.js';
import { BlobTexts, lazySource } from './blob-texts.js';
import { globTest } from './glob.js';
import type { GateLanguage } from './types.js';

/** One source file of one revision; `hash` is git's blob id of the content (the cache key). */
export interface SourceFile {
  path: string;
  text: string;
  hash: string;
  language: GateLanguage;
}

/** Never indexed: git's own files and type declarations (not code). */
const DEFAULT_EXCLUDES = ['**/.git/**', '**/*.d.ts', '**/*.d.mts', '**/*.d.cts'];

/**
 * Code the project did not write, left out unless `[gate] include_vendored` is set, and reported
 * in the gate result: a regulated root reached through a copy of a package manager or a
 * generated stub is noise, and indexing them costs more than the project's own code (a Yarn
 * release alone is several MB of JavaScript). Each glob is also its name in the report.
 */
const VENDORED_GLOBS = [
  '**/node_modules/**',
  '**/vendor/**',
  '**/third_party/**',
  '**/.yarn/**',
  '**/.pnp.*',
  '**/*.min.{js,mjs,cjs}',
  '**/*_pb2.py',
  '**/*_pb2_grpc.py',
  '**/*.pb.go',
  '**/*_pb.js',
  '**/*_grpc_pb.js',
];
const vendoredMatchers = VENDORED_GLOBS.map((g) => ({ pattern: g, match: globTest(g) }));
/** Report names of the exclusions that need more than a path glob. */
export const BUILD_OUTPUT = '{dist,build}/ next to sources (package.json or src/ beside it)';
export const GENERATED_HEADER = '"Code generated … DO NOT EDIT." header';
export const MINIFIED = 'minified (lines averaging over 500 characters in a file over 20 kB)';

/** Vendored and generated files left out, by the rule that left them out (files of both revisions, counted once). */
export type ExclusionReport = Map<string, Set<string>>;

function noteExcluded(report: ExclusionReport | undefined, pattern: string, file: string): void {
  if (!report) return;
  let s = report.get(pattern);
  if (!s) report.set(pattern, (s = new Set()));
  s.add(file);
}

/** The rule that makes `file` vendored by its path, given every path of the tree (for build outputs). */
function vendoredByPath(file: string, isBuildOutputDir: (dir: string) => boolean): string | undefined {
  for (const m of vendoredMatchers) if (m.match(file)) return m.pattern;
  const parts = file.split('/');
  for (let i = 0; i < parts.length - 1; i++) {
    if ((parts[i] === 'dist' || parts[i] === 'build') && isBuildOutputDir(parts.slice(0, i).join('/'))) return BUILD_OUTPUT;
  }
  return undefined;
}

/** A `dist/` or `build/` folder in `parent` is build output when `parent` holds a package.json or a src/ folder. */
function buildOutputCheck(paths: Iterable<string>): (parent: string) => boolean {
  const packageDirs = new Set<string>();
  const srcParents = new Set<string>();
  for (const p of paths) {
    const slash = p.lastIndexOf('/');
    if (p.slice(slash + 1) === 'package.json') packageDirs.add(slash < 0 ? '' : p.slice(0, slash));
    const parts = p.split('/');
    for (let i = 0; i < parts.length - 1; i++) if (parts[i] === 'src') srcParents.add(parts.slice(0, i).join('/'));
  }
  return (parent) => packageDirs.has(parent) || srcParents.has(parent);
}

// generators put the marker before any code (Go's convention, followed by protoc, sqlc, mockgen, …)
const GENERATED_MARKER = /^[ \t]*(?:\/\/|#|\/?\*+)[ \t]*Code generated\b.*\bDO NOT EDIT\b/m;
const MARKER_WITHIN = 4096;
const MINIFIED_OVER_CHARS = 20_000;
const MINIFIED_LINE_AVERAGE = 500;
/** The content rules' parameters: part of a listing's key, so a stored graph never outlives a change to them. */
const CONTENT_RULES = [GENERATED_MARKER.source, MARKER_WITHIN, MINIFIED_OVER_CHARS, MINIFIED_LINE_AVERAGE].join('\0');

/** The rule that makes a file generated or minified by its content, if any. */
export function vendoredByContent(file: string, text: string): string | undefined {
  const head = text.slice(0, MARKER_WITHIN);
  // the marker's fixed words first: the expression tries every line start, and few files have them
  if (head.includes('Code generated') && GENERATED_MARKER.test(head)) return GENERATED_HEADER;
  // JavaScript only: minifiers emit JavaScript, and a long TypeScript line is source (generated
  // or not, a change to it must be analysed or fail closed)
  if (text.length > MINIFIED_OVER_CHARS && /\.[mc]?js$/.test(file)) {
    let lines = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    if (text.length / lines > MINIFIED_LINE_AVERAGE) return MINIFIED;
  }
  return undefined;
}

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
  /** Index vendored and generated code too (`[gate] include_vendored`). */
  includeVendored?: boolean;
  /** Receives the vendored/generated files left out, by rule. */
  excluded?: ExclusionReport;
}

/** `allPaths`: every path of the tree (not only sources), which tells build output folders apart. */
function makeFilter(filter: SourceFilter, allPaths: Iterable<string>): (file: string) => GateLanguage | undefined {
  const excluded = globTest([...DEFAULT_EXCLUDES, ...(filter.exclude ?? [])]);
  const langs = filter.languages ? new Set(filter.languages) : undefined;
  let isBuildOutputDir: ((dir: string) => boolean) | undefined;
  return (file) => {
    const lang = languageOf(file) ?? (isTsConfigFile(file) ? (/(^|\/)jsconfig[^/]*$/.test(file) ? 'js' : 'ts') : undefined);
    if (!lang || excluded(file)) return undefined;
    if (langs && !langs.has(lang)) return undefined;
    if (!filter.includeVendored) {
      const rule = vendoredByPath(file, (isBuildOutputDir ??= buildOutputCheck(allPaths)));
      if (rule) {
        noteExcluded(filter.excluded, rule, file);
        return undefined;
      }
    }
    return lang;
  };
}

/** Whether the content rules apply the minified rule to a file (they read its path only for that). */
const minifiable = (file: string): boolean => /\.[mc]?js$/.test(file);

/**
 * What the content rules decided of a blob, by blob id, so a later run need not read it to know:
 * `null` (own code) or the rule's report name. Keyed per blob and whether the path is JavaScript,
 * the only thing of the path the rules read.
 */
export interface ContentVerdicts {
  get(key: string): { vendored: string | null } | undefined;
  set(key: string, value: { vendored: string | null }): void;
}

const verdictKey = (hash: string, file: string): string => `content:${hash}:${minifiable(file) ? 'js' : 'other'}`;
const KNOWN_VERDICTS = new Set<unknown>([null, GENERATED_HEADER, MINIFIED]);

/** The cached verdict for a listed file, when there is a well-formed one. */
function cachedVerdict(verdicts: ContentVerdicts | undefined, hash: string, file: string): string | null | undefined {
  const v = verdicts?.get(verdictKey(hash, file));
  return v && KNOWN_VERDICTS.has(v.vendored) ? v.vendored : undefined;
}

/**
 * What the content rules make of a listed file without reading it: `null` when it is kept (its
 * blob's verdict is cached, or the rules do not apply), the rule that drops it, or undefined when
 * only its text can tell.
 */
export function knownContentVerdict(filter: SourceFilter, verdicts: ContentVerdicts | undefined, hash: string, file: string): string | null | undefined {
  return filter.includeVendored || isTsConfigFile(file) ? null : cachedVerdict(verdicts, hash, file);
}

/**
 * Drops generated and minified files (known only from their text) unless vendored code is
 * included: by the verdict cached for the blob, else by its text (the verdict then cached).
 */
function keepOwnCode(filter: SourceFilter, verdicts: ContentVerdicts | undefined, file: string, hash: string, text: () => string): boolean {
  let rule = knownContentVerdict(filter, verdicts, hash, file);
  if (rule === undefined) {
    rule = vendoredByContent(file, text()) ?? null;
    verdicts?.set(verdictKey(hash, file), { vendored: rule });
  }
  if (rule) noteExcluded(filter.excluded, rule, file);
  return !rule;
}

/**
 * Files git would consider part of the work tree under `root` (tracked plus untracked, minus
 * .gitignore'd: build output such as dist/ stays out); undefined when `root` is not in a work tree.
 */
function gitListedFiles(root: string): string[] | undefined {
  const res = spawnSync('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--deduplicate', '--', '.'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (res.error || res.status !== 0) return undefined;
  return res.stdout.split('\0').filter((f) => f.length > 0);
}

/** Source files of a directory on disk (for `bulwark callgraph DIR`). */
export function readDirectorySources(root: string, filter: SourceFilter = {}): SourceFile[] {
  const out: SourceFile[] = [];
  const listed = gitListedFiles(root);
  if (listed) {
    const accept = makeFilter(filter, listed);
    for (const rel of listed.sort()) {
      const lang = accept(rel);
      if (!lang) continue;
      let buf: Buffer;
      try {
        buf = readFileSync(path.join(root, rel));
      } catch {
        continue; // listed by the index but deleted or not a regular file in the work tree
      }
      const text = buf.toString('utf8');
      const hash = gitBlobHash(buf);
      if (keepOwnCode(filter, undefined, rel, hash, () => text)) out.push({ path: rel, text, hash, language: lang });
    }
    return out;
  }
  // outside a work tree: every file is listed first (build output folders are told apart by what
  // their parent holds), then filtered like a git listing
  const files: string[] = [];
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
        if (e.name === '.git') continue;
        // never read (an installed tree can hold 100 000 files), but reported like a git listing's
        if (e.name === 'node_modules' && !filter.includeVendored) {
          noteExcluded(filter.excluded, '**/node_modules/**', `${rel}/`);
          continue;
        }
        walk(rel);
      } else if (e.isFile()) files.push(rel);
    }
  };
  walk('');
  const accept = makeFilter(filter, files);
  for (const rel of files) {
    const lang = accept(rel);
    if (!lang) continue;
    const buf = readFileSync(path.join(root, rel));
    const text = buf.toString('utf8');
    const hash = gitBlobHash(buf);
    if (keepOwnCode(filter, undefined, rel, hash, () => text)) out.push({ path: rel, text, hash, language: lang });
  }
  return out;
}

/** The most output one git command may give (a larger diff or listing is an error, never a truncation). */
const GIT_OUTPUT_LIMIT = 1 << 30;

export function git(repoDir: string, args: string[], input?: string): string {
  return gitBytes(repoDir, args, input).toString('utf8');
}

/** git's output as bytes (blob contents are cut by byte counts); a failure is a usage error naming the command. */
function gitBytes(repoDir: string, args: string[], input?: string): Buffer {
  const res = spawnSync('git', ['-C', repoDir, ...args], { maxBuffer: GIT_OUTPUT_LIMIT, input });
  if (res.error && 'code' in res.error && res.error.code === 'ENOBUFS') throw tooMuchOutput(repoDir, args);
  if (res.error) throw new UsageError(`cannot run git: ${res.error.message}`);
  if (res.status !== 0) throw new UsageError(`git ${args[0]} failed in ${repoDir}: ${res.stderr.toString('utf8').trim().split('\n')[0]}`);
  return res.stdout;
}

const tooMuchOutput = (repoDir: string, args: string[]): UsageError =>
  new UsageError(`git ${args[0]} failed in ${repoDir}: output over ${GIT_OUTPUT_LIMIT} bytes`);

/**
 * `git` without blocking: several run at once on the other core while this thread waits (same
 * errors as `git`). `noneStatus`: an exit status by which the command says there is nothing (`git
 * merge-base` answers 1 for unrelated histories), resolved as no output.
 */
export function gitBytesAsync(repoDir: string, args: string[], noneStatus?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repoDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (b: Buffer) => {
      // the same bound as the blocking calls' buffer: past it, nothing more is kept and git is stopped
      if ((size += b.length) > GIT_OUTPUT_LIMIT) {
        out.length = 0;
        child.stdout.destroy();
        child.kill();
        reject(tooMuchOutput(repoDir, args));
        return;
      }
      out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new UsageError(`cannot run git: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else if (noneStatus !== undefined && code === noneStatus) resolve(Buffer.alloc(0));
      else reject(new UsageError(`git ${args[0]} failed in ${repoDir}: ${Buffer.concat(err).toString('utf8').trim().split('\n')[0]}`));
    });
  });
}

/** How the gate diffs a change (no renames, no colour or external driver, no context lines): the mutation run reads the same lines. */
export const GATE_DIFF_ARGS: readonly string[] = ['diff', '--no-renames', '--no-color', '--no-ext-diff', '-U0'];

/**
 * Resolves revisions to commit ids with one git process, in order; a one-line usage error naming
 * the first that does not exist. The names go to `git cat-file --batch-check` on its standard input,
 * one a line, so none is ever read as an option (a name with a line break is no revision).
 */
export function resolveCommits(repoDir: string, refs: readonly string[]): string[] {
  const bad = refs.find(hasLineBreak);
  if (bad !== undefined) throw unknownRevision(bad);
  const res = spawnSync('git', ['-C', repoDir, 'cat-file', '--batch-check=%(objectname) %(objecttype)'], {
    encoding: 'utf8',
    input: refs.map((r) => `${r}^{commit}\n`).join(''),
  });
  // EPIPE: git ended before it read every name (below), its answers so far on its output
  if (res.error && (res.error as NodeJS.ErrnoException).code !== 'EPIPE') throw new UsageError(`cannot run git: ${res.error.message}`);
  if (res.status !== 0) requireRepository(repoDir);
  // complete lines only: some names end git instead of being answered (`@{u}` without an
  // upstream, `HEAD@{99}` past the reflog), after the lines of the names before them
  const lines = res.stdout.split('\n').slice(0, -1);
  return refs.map((ref, i) => {
    // a found name is `<id> commit`; one that is missing, ambiguous or no commit is echoed with why
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) commit$/.exec(lines[i] ?? '');
    if (!m) throw unknownRevision(ref);
    return m[1]!;
  });
}

/** Whether a revision name has a line break (or NUL): given to git one a line, it would be two names. */
export const hasLineBreak = (name: string): boolean => /[\n\r\0]/.test(name);

/** The error for a revision name git does not resolve to a commit (one with a line break is quoted: the message stays one line). */
export function unknownRevision(name: string): UsageError {
  return new UsageError(`unknown revision: ${hasLineBreak(name) ? JSON.stringify(name) : name}`);
}

/** A usage error when `repoDir` is in no git repository (a git command there failed: this says why). */
export function requireRepository(repoDir: string): void {
  const r = spawnSync('git', ['-C', repoDir, 'rev-parse', '--git-dir'], { encoding: 'utf8' });
  if (r.status !== 0) throw new UsageError(`not a git repository: ${repoDir}`);
}

/**
 * The merge base of two commits, without blocking (the caller lists a revision meanwhile); a
 * usage error naming both revisions when their histories share no commit (in CI usually a
 * shallow clone, as `bulwark review` says too).
 */
export async function mergeBaseOf(repoDir: string, base: string, head: string, names: { base: string; head: string }): Promise<string> {
  const out = (await gitBytesAsync(repoDir, ['merge-base', base, head], 1)).toString('utf8').trim();
  if (!/^[0-9a-f]{40}$|^[0-9a-f]{64}$/.test(out))
    throw new UsageError(`no merge base between ${names.base} and ${names.head} (shallow clone? fetch more history)`);
  return out;
}

/** The files of a commit the gate reads (path filter applied, contents not yet read). */
export interface RevisionListing {
  entries: { path: string; hash: string; language: GateLanguage }[];
}

const lsTreeArgs = (commit: string): string[] => ['ls-tree', '-r', '-z', '--full-tree', commit];

/** Lists a commit's files from git's tree (never the working tree) and applies the path filter. */
export function listRevision(repoDir: string, commit: string, filter: SourceFilter = {}): RevisionListing {
  return listingOf(git(repoDir, lsTreeArgs(commit)), filter);
}

/** `listRevision` without blocking, so git can list while it diffs (the caller applies the filters in its own order). */
export async function readListing(repoDir: string, commit: string): Promise<string> {
  return (await gitBytesAsync(repoDir, lsTreeArgs(commit))).toString('utf8');
}

/** The files of `git ls-tree -r -z` output the gate reads, the path filter applied. */
export function listingOf(listing: string, filter: SourceFilter = {}): RevisionListing {
  const all: { path: string; hash: string }[] = [];
  for (const entry of listing.split('\0')) {
    if (!entry) continue;
    const tab = entry.indexOf('\t');
    const [mode, type, hash] = entry.slice(0, tab).split(' ');
    const file = entry.slice(tab + 1);
    if (type !== 'blob' || mode === '120000' || !hash) continue;
    all.push({ path: file, hash });
  }
  const accept = makeFilter(
    filter,
    all.map((e) => e.path),
  );
  const entries: RevisionListing['entries'] = [];
  for (const e of all) {
    const lang = accept(e.path);
    if (lang) entries.push({ path: e.path, hash: e.hash, language: lang });
  }
  return { entries };
}

/**
 * Identifies the graph of a listed revision before any content is read: its paths and blob ids
 * (the path filter applied), whether vendored code is included and, when it is not, the content
 * rules' parameters, which together decide what the content filter keeps. Never equal to a key
 * of sources read from a directory.
 */
export function listingKey(listing: RevisionListing, filter: SourceFilter): string {
  const h = createHash('sha256').update(`revision\0${filter.includeVendored ? 'vendored' : `own\0${CONTENT_RULES}`}\n`);
  for (const e of [...listing.entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) h.update(`${e.path}\0${e.hash}\n`);
  return h.digest('hex');
}

/** `git cat-file --batch` output → blob id → text, for the ids asked for, in order. */
function parseBatch(buf: Buffer, hashes: string[]): Map<string, string> {
  const texts = new Map<string, string>();
  let pos = 0;
  for (const hash of hashes) {
    const nl = buf.indexOf(10, pos);
    const header = buf.subarray(pos, nl < 0 ? undefined : nl).toString('utf8');
    const size = Number(header.split(' ')[2]);
    if (nl < 0 || !Number.isFinite(size) || !header.startsWith(hash)) throw new UsageError(`git cat-file: unexpected header for blob ${hash}: ${header}`);
    texts.set(hash, buf.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    pos = nl + 1 + size + 1;
  }
  return texts;
}

/** Reads blobs from git's object store. */
export function readBlobs(repoDir: string, hashes: string[]): Map<string, string> {
  if (hashes.length === 0) return new Map();
  return parseBatch(gitBytes(repoDir, ['cat-file', '--batch'], hashes.join('\n') + '\n'), hashes);
}

/**
 * Reads blobs while the caller goes on working: git writes into a private temporary file, not a
 * pipe, so it never waits for this (busy) thread to drain 64 KiB at a time. Anything that goes
 * wrong on that path (no writable temporary directory, a full disk or a file-size limit, git
 * failing or killed) is retried in the foreground, whose own errors are the ones reported.
 */
export async function readBlobsInBackground(repoDir: string, hashes: string[]): Promise<Map<string, string>> {
  if (hashes.length === 0) return new Map();
  const texts = await readBlobsThroughFile(repoDir, hashes).catch(() => undefined);
  return texts ?? readBlobs(repoDir, hashes);
}

async function readBlobsThroughFile(repoDir: string, hashes: string[]): Promise<Map<string, string>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-blobs-'));
  // the file holds the repository's code: gone even when a second signal exits without unwinding
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  const fds: number[] = [];
  try {
    const input = path.join(dir, 'ids');
    const output = path.join(dir, 'blobs');
    writeFileSync(input, hashes.join('\n') + '\n', { flag: 'wx', mode: 0o600 });
    fds.push(openSync(input, 'r'));
    fds.push(openSync(output, 'wx', 0o600));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      const child = spawn('git', ['-C', repoDir, 'cat-file', '--batch'], { stdio: [fds[0], fds[1], 'ignore'] });
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    if (exit.code !== 0) throw new Error(`git cat-file ended with ${exit.signal ?? `status ${exit.code}`}`);
    return parseBatch(readFileSync(output), hashes);
  } finally {
    for (const fd of fds) closeSync(fd);
    process.off('exit', remove);
    remove();
  }
}

/**
 * A listed revision's source files, their texts read from `texts` when first used; generated and
 * minified files left out (and reported), by the verdicts cached for their blobs where there are
 * some, else by their texts.
 */
export function revisionSources(
  listing: RevisionListing,
  texts: BlobTexts | ReadonlyMap<string, string>,
  filter: SourceFilter = {},
  verdicts?: ContentVerdicts,
): SourceFile[] {
  const blobs = texts instanceof BlobTexts ? texts : new BlobTexts(undefined, texts);
  const out: SourceFile[] = [];
  for (const e of listing.entries) {
    if (keepOwnCode(filter, verdicts, e.path, e.hash, () => blobs.text(e.hash)))
      out.push(lazySource({ path: e.path, hash: e.hash, language: e.language }, blobs, e.hash));
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Source files of a commit, read from git objects (never from the working tree). */
export function readRevisionSources(repoDir: string, commit: string, filter: SourceFilter = {}): SourceFile[] {
  const listing = listRevision(repoDir, commit, filter);
  const blobs = new BlobTexts(repoDir);
  blobs.readNow(listing.entries.map((e) => e.hash));
  return revisionSources(listing, blobs, filter);
}
