import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { UsageError } from '../domain/errors.js';
import { evaluateGateDetailed } from '../gate/index.js';
import type { GateResult } from '../gate/types.js';
import { workTreeTop } from '../review/git.js';
import { loadBulwarkConfig, parseBulwarkConfig, type BulwarkConfig } from './config.js';
import { finishGate, type GateFinishFlags, type PreparedGate } from './gate-finish.js';

// The classifier (model SDKs, the sandbox), the audit log (SQLite, PostgreSQL) and the default
// base's remote lookup are loaded only by a run that uses them (./gate-finish.ts): most decisions
// need none of them, and loading them all costs a gate run more than its warm analysis.

export interface GateFlags extends GateFinishFlags {
  repo: string;
  base?: string;
  head: string;
  json?: boolean;
  config?: string;
  cacheDir?: string;
  cache: boolean;
}

function gitOut(repo: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '').trim().split('\n')[0] ?? '' };
}

/**
 * Configuration comes from the base revision (a pull request cannot relax its own gate), unless
 * --config names a file explicitly.
 */
function loadConfig(repo: string, base: string, file: string | undefined): BulwarkConfig {
  if (file) return loadBulwarkConfig(file);
  const shown = gitOut(repo, ['show', `${base}:bulwark.toml`]);
  if (shown.ok) return parseBulwarkConfig(shown.out, `${base}:bulwark.toml`, repo);
  // the defaults only when the base revision has no bulwark.toml: a file git could not read (a
  // missing object, a partial clone that could not fetch it) is an error, never a gate without roots
  const listed = gitOut(repo, ['ls-tree', '--name-only', base, '--', 'bulwark.toml']);
  if (listed.ok && listed.out.trim() === '') return parseBulwarkConfig('', `${base}:bulwark.toml`, repo);
  throw new UsageError(`cannot read bulwark.toml of ${base.slice(0, 12)} from git${shown.err ? `: ${shown.err}` : ''}`);
}

/** The flags that choose what is evaluated: the change, the configuration and the cache. */
export type GateEvaluationFlags = Pick<GateFlags, 'repo' | 'base' | 'head' | 'config' | 'cacheDir' | 'cache'>;

/**
 * The deterministic layers of `bulwark gate` for base..head, with configuration from the base
 * revision: what a resident gate computes for its client, and the in-process run too.
 */
export async function prepareGate(flags: GateEvaluationFlags): Promise<PreparedGate> {
  const repo = workTreeTop(flags.repo);
  const base = flags.base ?? (await (await import('../review/acquire.js')).defaultBase(repo));
  const baseCommit = gitOut(repo, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`]);
  if (!baseCommit.ok) {
    if (!gitOut(repo, ['rev-parse', '--git-dir']).ok) throw new UsageError(`not a git repository: ${repo}`);
    throw new UsageError(`unknown revision: ${base}`);
  }
  const config = loadConfig(repo, baseCommit.out.trim(), flags.config);
  const gateConfig = config.gate ? { ...config.gate, ...(config.gate.cache_dir ? { cache_dir: path.resolve(config.dir, config.gate.cache_dir) } : {}) } : {};
  const {
    result: statics,
    context,
    config: parsed,
  } = await evaluateGateDetailed({
    repoDir: repo,
    base,
    head: flags.head,
    config: gateConfig,
    cacheDir: flags.cache === false ? null : (flags.cacheDir ?? undefined),
  });
  return { repo, config, statics, context, parsed };
}

/** `bulwark gate`: the decision for base..head, with configuration from the base revision, recorded when a log is configured. */
export async function runGate(flags: GateFlags): Promise<GateResult> {
  return finishGate(flags, await prepareGate(flags));
}
