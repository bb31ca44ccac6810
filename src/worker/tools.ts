import { lstatSync, openSync, readSync, closeSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ToolName } from '../protocol/tool-names.js';
import { normalizeRepoPath, RepoPathError } from '../protocol/repo-path.js';
import type { ToolSpec } from '../protocol/completion.js';
import type { GitShowResult } from '../protocol/stage.js';

/**
 * Read-only tools the agent may call. They run inside the sandbox (Landlock already limits
 * reads), and check paths themselves as well: relative to the checkout, inside an allowed root
 * after resolving symlinks, through no symlink that leads out of the allowed roots, never inside
 * `.git`. Directory walks (grep) never follow symlinks.
 */

export const MAX_TOOL_OUTPUT = 48 * 1024;
const MAX_READ_LINES = 400;
const MAX_GREP_MATCHES = 200;
const MAX_GREP_FILE_BYTES = 1024 * 1024;
const MAX_LIST_ENTRIES = 500;

export class ToolError extends Error {}

export const TOOL_SPECS: Record<ToolName, ToolSpec> = {
  read_file: {
    name: 'read_file',
    description: 'Read a file of the repository checkout (head revision), with line numbers. Paths are relative to the repository root.',
    parameters: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        start_line: { type: 'integer', minimum: 1 },
        end_line: { type: 'integer', minimum: 1 },
      },
      required: ['path'],
      additionalProperties: false,
    },
  },
  list_dir: {
    name: 'list_dir',
    description: 'List a directory of the repository checkout ("." is the root). Directories end with "/".',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
  },
  grep: {
    name: 'grep',
    description: 'Search files of the checkout for a JavaScript regular expression; returns path:line: text.',
    parameters: {
      type: 'object',
      properties: { pattern: { type: 'string' }, path: { type: 'string', description: 'folder or file to search, default "."' } },
      required: ['pattern'],
      additionalProperties: false,
    },
  },
  show_file: {
    name: 'show_file',
    description: 'Show a file as it is at the base revision (before the change) or the head revision (after it).',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, rev: { type: 'string', enum: ['base', 'head'] } },
      required: ['path', 'rev'],
      additionalProperties: false,
    },
  },
};

const readArgs = z.object({ path: z.string().min(1), start_line: z.number().int().min(1).optional(), end_line: z.number().int().min(1).optional() });
const listArgs = z.object({ path: z.string().min(1) });
const grepArgs = z.object({ pattern: z.string().min(1).max(1000), path: z.string().min(1).optional() });
const showArgs = z.object({ path: z.string().min(1), rev: z.enum(['base', 'head']) });

function within(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Normalises a model-supplied repository path; throws ToolError on anything suspicious. */
export function checkRelativePath(p: string): string {
  try {
    return normalizeRepoPath(p);
  } catch (err) {
    if (err instanceof RepoPathError) throw new ToolError(err.message);
    throw err;
  }
}

export interface ToolHost {
  repoRoot: string | null;
  readRoots: string[];
  /** Serves show_file (the parent runs git with validated arguments). */
  gitShow?: (rev: 'base' | 'head', path: string) => Promise<GitShowResult>;
}

export class Tools {
  /** The repository root's realpath; every check walks down from it. */
  private readonly repoReal: string | null;
  /** Usable read roots: as given (lexical) and their realpaths. */
  private readonly roots: { given: string; real: string }[];
  constructor(private readonly host: ToolHost) {
    this.repoReal = host.repoRoot ? realOrResolved(host.repoRoot) : null;
    // A root that passes through a symlink below the repository root would make its realpath
    // (the link's target, which the change under review may have chosen) readable: such a root
    // is dropped, whatever the parent decided, as is one whose realpath leaves the repository.
    this.roots = [];
    for (const r of host.readRoots) {
      if (!host.repoRoot || !this.repoReal) break;
      const given = path.resolve(r);
      const rel = within(path.resolve(host.repoRoot), given)
        ? path.relative(path.resolve(host.repoRoot), given)
        : within(this.repoReal, given)
          ? path.relative(this.repoReal, given)
          : null;
      if (rel === null || firstSymlink(this.repoReal, rel) !== null) continue;
      const real = realOrResolved(given);
      if (within(this.repoReal, real)) this.roots.push({ given, real });
    }
  }

  private get realRoots(): string[] {
    return this.roots.map((r) => r.real);
  }

  /**
   * Absolute, symlink-resolved path inside an allowed root; throws ToolError otherwise. Every
   * component below the repository root is lstat'ed: a symlink is followed only when its target
   * is inside a read root, so no path reaches a file outside them through a link, not even
   * through a link in a folder above the file.
   */
  resolve(p: string): string {
    if (!this.host.repoRoot || !this.repoReal) throw new ToolError('this review has no repository checkout (patch input); file tools are unavailable');
    if (this.roots.length === 0)
      throw new ToolError('this stage has no readable folders of the repository (its read roots were refused); use the diff in the context');
    const rel = checkRelativePath(p);
    const abs = path.resolve(this.host.repoRoot, rel);
    const realAbs = path.resolve(this.repoReal, rel);
    if (!this.roots.some((r) => within(r.given, abs) || within(r.real, realAbs))) {
      throw new ToolError(`path "${p}" is outside the folders this stage may read`);
    }
    let cur = this.repoReal;
    for (const part of rel.split('/').filter((x) => x !== '' && x !== '.')) {
      cur = path.join(cur, part);
      let st;
      try {
        st = lstatSync(cur);
      } catch {
        throw new ToolError(`path "${p}" does not exist`);
      }
      if (!st.isSymbolicLink()) continue;
      let target: string;
      try {
        target = realpathSync(cur);
      } catch {
        throw new ToolError(`path "${p}" does not exist (symlink "${path.relative(this.repoReal, cur)}" is dangling)`);
      }
      if (!this.realRoots.some((r) => within(r, target))) {
        throw new ToolError(
          `path "${p}" goes through a symlink ("${path.relative(this.repoReal, cur)}") that leads outside the folders this stage may read; refused`,
        );
      }
    }
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      throw new ToolError(`path "${p}" does not exist`);
    }
    if (!this.realRoots.some((r) => within(r, real))) throw new ToolError(`path "${p}" resolves (through a symlink) outside the folders this stage may read`);
    if (real.split(path.sep).includes('.git')) throw new ToolError(`path "${p}" is inside .git`);
    return real;
  }

  async run(name: string, args: Record<string, unknown>): Promise<string> {
    if ('__invalid_json' in args) throw new ToolError('the arguments were not valid JSON');
    switch (name) {
      case 'read_file':
        return this.readFile(parse(readArgs, args));
      case 'list_dir':
        return this.listDir(parse(listArgs, args).path);
      case 'grep':
        return this.grep(parse(grepArgs, args));
      case 'show_file': {
        const a = parse(showArgs, args);
        if (!this.host.gitShow) throw new ToolError('base/head revisions are not available for this review');
        const rel = checkRelativePath(a.path);
        const r = await this.host.gitShow(a.rev, rel);
        if (!r.found) return `(${rel} does not exist at the ${a.rev} revision)`;
        return numbered(r.content, 1, MAX_READ_LINES * 2) + (r.truncated ? '\n(truncated)' : '');
      }
      default:
        throw new ToolError(`unknown tool "${name}"`);
    }
  }

  private readFile(a: z.infer<typeof readArgs>): string {
    const abs = this.resolve(a.path);
    const st = statSync(abs);
    if (!st.isFile()) throw new ToolError(`"${a.path}" is not a regular file`);
    const buf = readPrefix(abs, 4 * 1024 * 1024);
    if (buf.includes(0)) return `(${a.path} is a binary file, ${st.size} bytes)`;
    const text = buf.toString('utf8');
    const start = a.start_line ?? 1;
    const end = a.end_line ?? start + MAX_READ_LINES - 1;
    if (end < start) throw new ToolError('end_line is before start_line');
    return numbered(text, start, Math.min(end - start + 1, MAX_READ_LINES));
  }

  private listDir(p: string): string {
    const abs = this.resolve(p);
    if (!statSync(abs).isDirectory()) throw new ToolError(`"${p}" is not a directory`);
    const entries = readdirSync(abs, { withFileTypes: true })
      .filter((e) => e.name !== '.git')
      .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
      .sort();
    const shown = entries.slice(0, MAX_LIST_ENTRIES);
    return shown.join('\n') + (entries.length > shown.length ? `\n(${entries.length - shown.length} more entries)` : '') || '(empty directory)';
  }

  private grep(a: z.infer<typeof grepArgs>): string {
    let re: RegExp;
    try {
      re = new RegExp(a.pattern);
    } catch (err) {
      throw new ToolError(`invalid regular expression: ${(err as Error).message}`);
    }
    const start = this.resolve(a.path ?? '.');
    const root = this.repoReal!;
    const out: string[] = [];
    const visit = (abs: string): void => {
      if (out.length >= MAX_GREP_MATCHES) return;
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) return;
      if (st.isDirectory()) {
        for (const name of readdirSync(abs).sort()) if (name !== '.git') visit(path.join(abs, name));
        return;
      }
      if (!st.isFile() || st.size > MAX_GREP_FILE_BYTES) return;
      if (!this.realRoots.some((r) => within(r, abs))) return;
      const buf = readPrefix(abs, MAX_GREP_FILE_BYTES);
      if (buf.includes(0)) return;
      const lines = buf.toString('utf8').split('\n');
      for (let i = 0; i < lines.length && out.length < MAX_GREP_MATCHES; i++) {
        if (re.test(lines[i]!)) out.push(`${path.relative(root, abs)}:${i + 1}: ${lines[i]!.slice(0, 300)}`);
      }
    };
    visit(start);
    return out.length === 0 ? '(no matches)' : out.join('\n') + (out.length >= MAX_GREP_MATCHES ? `\n(stopped after ${MAX_GREP_MATCHES} matches)` : '');
  }
}

function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The first component of `rel` below `root` that is a symlink, or null (missing components end the walk). */
function firstSymlink(root: string, rel: string): string | null {
  let cur = root;
  for (const part of rel.split(path.sep).filter((x) => x !== '' && x !== '.')) {
    cur = path.join(cur, part);
    try {
      if (lstatSync(cur).isSymbolicLink()) return cur;
    } catch {
      return null;
    }
  }
  return null;
}

function parse<S extends z.ZodType>(schema: S, args: unknown): z.infer<S> {
  const r = schema.safeParse(args);
  if (!r.success) throw new ToolError(`invalid arguments: ${r.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

function readPrefix(file: string, max: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function numbered(text: string, start: number, count: number): string {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (start > lines.length) return `(the file has ${lines.length} lines)`;
  const slice = lines.slice(start - 1, start - 1 + count);
  const body = slice.map((l, i) => `${start + i}\t${l}`).join('\n');
  const more = start - 1 + count < lines.length ? `\n(${lines.length - (start - 1 + count)} more lines; use start_line)` : '';
  const out = body + more;
  return out.length > MAX_TOOL_OUTPUT ? out.slice(0, MAX_TOOL_OUTPUT) + '\n(output truncated)' : out;
}
