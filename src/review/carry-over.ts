import type { Finding } from '../protocol/findings.js';
import { git, showFile } from './git.js';

/**
 * Which of an earlier review's findings still stand at a new head, for an incremental review:
 * a finding is carried over when the content of its line at the head it was reported on is still
 * in the file at the new head (at the nearest line with that content, so commits that shift lines
 * keep it); a finding about a whole file only when the file is unchanged. A line that changed or
 * went away drops the finding: the models reviewed the new lines in the increment.
 */
export async function carryOverFindings(repoDir: string, newHead: string, earlier: { head: string; findings: Finding[] }[]): Promise<Finding[]> {
  const cache = new Map<string, string[] | null>();
  const linesAt = async (rev: string, file: string): Promise<string[] | null> => {
    const key = `${rev}\0${file}`;
    if (!cache.has(key)) {
      const buf = await showFile(repoDir, rev, file);
      cache.set(key, buf ? buf.toString('utf8').split('\n') : null);
    }
    return cache.get(key)!;
  };
  const blobAt = async (rev: string, file: string): Promise<string | null> => {
    try {
      return (await git(repoDir, ['rev-parse', '--verify', '--quiet', `${rev}:${file}`])).toString('utf8').trim();
    } catch {
      return null;
    }
  };
  const out: Finding[] = [];
  for (const run of earlier) {
    for (const f of run.findings) {
      // findings that name no file in the repository (the PR description, "(change)") are not carried
      if (f.file.startsWith('(') || f.line < 0) continue;
      if (f.line === 0) {
        const before = await blobAt(run.head, f.file);
        if (before !== null && before === (await blobAt(newHead, f.file))) out.push(f);
        continue;
      }
      const old = await linesAt(run.head, f.file);
      const text = old?.[f.line - 1];
      if (text === undefined) continue;
      const now = await linesAt(newHead, f.file);
      if (!now) continue;
      let best = -1;
      for (let i = 0; i < now.length; i++) if (now[i] === text && (best < 0 || Math.abs(i + 1 - f.line) < Math.abs(best + 1 - f.line))) best = i;
      if (best < 0) continue;
      const delta = best + 1 - f.line;
      out.push({ ...f, line: f.line + delta, ...(f.endLine !== undefined ? { endLine: f.endLine + delta } : {}) });
    }
  }
  return out;
}
