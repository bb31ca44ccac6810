import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/sandbox/package-paths.js';

/** The real-code corpora (../shared/corpora beside the checkout, or BULWARK_CORPORA). */
export function corporaDir(): string | undefined {
  const dir = process.env.BULWARK_CORPORA || path.resolve(packageRoot, '..', 'shared', 'corpora');
  return existsSync(dir) ? dir : undefined;
}

export interface CorpusCase {
  corpus: string;
  expect: 0 | 2;
  base: string;
  head: string;
  reason: string;
}

export interface Corpus {
  name: string;
  repo: string;
  config: string;
  cases: CorpusCase[];
}

/** Unpacks each corpus's bare repository once (into BULWARK_CORPORA_CACHE or the temp dir) and reads its CASES. */
export function loadCorpora(dir: string): Corpus[] {
  const cache = process.env.BULWARK_CORPORA_CACHE || path.join(tmpdir(), 'bulwark-corpora');
  mkdirSync(cache, { recursive: true });
  const out: Corpus[] = [];
  for (const name of readdirSync(dir).sort()) {
    const folder = path.join(dir, name);
    const casesFile = path.join(folder, 'CASES');
    const tarball = path.join(folder, `${name}.tar.gz`);
    if (!existsSync(casesFile) || !existsSync(tarball)) continue;
    const repo = path.join(cache, `${name}.git`);
    if (!existsSync(path.join(repo, 'HEAD'))) {
      const r = spawnSync('tar', ['-xzf', tarball, '-C', cache], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`cannot unpack ${tarball}: ${r.stderr}`);
    }
    const cases: CorpusCase[] = [];
    // the shared labels, then this checkout's own (bench/gate/cases/<name>.CASES), same line format
    const local = path.join(packageRoot, 'bench', 'gate', 'cases', `${name}.CASES`);
    const text = readFileSync(casesFile, 'utf8') + (existsSync(local) ? `\n${readFileSync(local, 'utf8')}` : '');
    for (const line of text.split('\n')) {
      const m = /^([02])\s+([0-9a-f]{40})\s+([0-9a-f]{40})\s+(.*)$/.exec(line.trim());
      if (m) cases.push({ corpus: name, expect: Number(m[1]) as 0 | 2, base: m[2]!, head: m[3]!, reason: m[4]! });
    }
    out.push({ name, repo, config: path.join(folder, 'bulwark.toml'), cases });
  }
  return out;
}

export interface CaseResult {
  ms: number;
  cpuMs: number;
  maxRssKB: number;
  flagged: boolean;
  reasons: string[];
  paths: string[];
  pathCount: number;
  changed: number;
  /** Head's Python/Go/Java resolution replayed from base's (the change left every file's shape as it was). */
  resolutionsReused: number;
}

/** Runs one case cold in a fresh process (so peak RSS is the case's own). */
export function runCase(c: Corpus, k: CorpusCase): CaseResult {
  const child = path.join(packageRoot, 'dist', 'bench', 'gate', 'real-child.js');
  const r = spawnSync(process.execPath, [child, c.repo, k.base, k.head, c.config], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`gate failed on ${c.name} ${k.head.slice(0, 12)}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as CaseResult;
}
