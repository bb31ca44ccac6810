import { gitText } from '../review/git.js';
import { attributeCommit, parseStackTrace, resolveFrameFile, type Attribution, type Frame } from './stack-trace.js';

/** One frame of a pasted trace with the commit that last changed its line and who wrote that commit. */
export interface BlamedFrame extends Frame {
  /** The tracked file the frame resolved to, null when none fits. */
  path: string | null;
  commit: string | null;
  summary: string | null;
  author: string | null;
  attribution: Attribution | null;
  /** Why the frame could not be attributed. */
  problem: string | null;
}

const git = (repo: string, args: string[]): Promise<string> => gitText(repo, args);

/**
 * `git blame` of every frame's line at `rev`, and the commit's attribution (agent trailers or
 * author, and the Bulwark run that reviewed it). The paste is untrusted: file names go to git only
 * after they matched a tracked path, always after `--`, never through a shell.
 */
export async function blameTrace(repo: string, rev: string, trace: string): Promise<BlamedFrame[]> {
  if (!/^[\w./@^~-]{1,200}$/.test(rev) || rev.startsWith('-')) throw new Error(`revision ${JSON.stringify(rev)} is not a plain git revision`);
  const commit = (await git(repo, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).trim();
  const tracked = (await git(repo, ['ls-tree', '-r', '--name-only', '-z', commit])).split('\0').filter(Boolean);
  const commits = new Map<string, { author: string; email: string; message: string; summary: string }>();
  const out: BlamedFrame[] = [];
  for (const f of parseStackTrace(trace)) {
    const path = resolveFrameFile(f, tracked);
    const base: BlamedFrame = { ...f, path, commit: null, summary: null, author: null, attribution: null, problem: null };
    if (!path) {
      out.push({ ...base, problem: 'no tracked file matches this path' });
      continue;
    }
    let porcelain: string;
    try {
      porcelain = await git(repo, ['blame', '--porcelain', '-L', `${f.line},${f.line}`, commit, '--', path]);
    } catch {
      out.push({ ...base, problem: `line ${f.line} is not in ${path} at ${rev}` });
      continue;
    }
    const sha = /^([0-9a-f]{40,64}) /.exec(porcelain)?.[1];
    if (!sha) {
      out.push({ ...base, problem: 'git blame gave no commit' });
      continue;
    }
    let c = commits.get(sha);
    if (!c) {
      const [author = '', email = '', ...rest] = (await git(repo, ['show', '-s', '--format=%an%n%ae%n%B', sha])).split('\n');
      const message = rest.join('\n');
      c = { author, email, message, summary: message.split('\n')[0] ?? '' };
      commits.set(sha, c);
    }
    out.push({ ...base, commit: sha, summary: c.summary, author: `${c.author} <${c.email}>`, attribution: attributeCommit(c.author, c.email, c.message) });
  }
  return out;
}
