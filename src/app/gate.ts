import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { changeHashFromRepo } from '../approval/change-hash.js';
import { resolveAuditConfigPaths } from '../audit/config.js';
import { UsageError } from '../domain/errors.js';
import { gateDecisionEntry } from '../domain/run-entries.js';
import { evaluateGate } from '../gate/index.js';
import type { GateResult } from '../gate/types.js';
import { defaultBase } from '../review/acquire.js';
import { workTreeTop } from '../review/git.js';
import { loadBulwarkConfig, parseBulwarkConfig, type BulwarkConfig } from './config.js';
import { withRun } from './lifecycle.js';

export interface GateFlags {
  repo: string;
  base?: string;
  head: string;
  json?: boolean;
  config?: string;
  auditDb?: string;
  cacheDir?: string;
  cache: boolean;
  runId?: string;
}

function gitOut(repo: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { ok: r.status === 0, out: r.stdout ?? '' };
}

/**
 * Configuration comes from the base revision (a pull request cannot relax its own gate), unless
 * --config names a file explicitly.
 */
function loadConfig(repo: string, base: string, file: string | undefined): BulwarkConfig {
  if (file) return loadBulwarkConfig(file);
  const shown = gitOut(repo, ['show', `${base}:bulwark.toml`]);
  if (!shown.ok) return parseBulwarkConfig('', `${base}:bulwark.toml`, repo);
  return parseBulwarkConfig(shown.out, `${base}:bulwark.toml`, repo);
}

async function recordDecision(result: GateResult, flags: GateFlags, config: BulwarkConfig, repo: string): Promise<void> {
  const auditConfig = config.audit ? resolveAuditConfigPaths(config.audit, config.dir) : undefined;
  const location = flags.auditDb ?? (process.env.BULWARK_AUDIT_DB || undefined) ?? auditConfig?.db;
  if (!location) return; // no audit log configured: nothing to append to
  // result.base is already the merge base, so this is the same diff an approval is bound to
  const { changeHash } = await changeHashFromRepo(repo, result.base, result.head);
  const runId = flags.runId ?? `gate-${result.head.slice(0, 12)}-${Date.now().toString(36)}`;
  // a gate run's record is its decision: no run_started/run_finished frame around it
  await withRun({ kind: 'gate', auditDb: location, ...(auditConfig ? { auditConfig } : {}), runId }, (run) =>
    run.audit.append(gateDecisionEntry(run.runId, result, changeHash)),
  );
}

/** `bulwark gate`: the decision for base..head, with configuration from the base revision, recorded when a log is configured. */
export async function runGate(flags: GateFlags): Promise<GateResult> {
  const repo = workTreeTop(flags.repo);
  const base = flags.base ?? (await defaultBase(repo));
  const baseCommit = gitOut(repo, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`]);
  if (!baseCommit.ok) {
    if (!gitOut(repo, ['rev-parse', '--git-dir']).ok) throw new UsageError(`not a git repository: ${repo}`);
    throw new UsageError(`unknown revision: ${base}`);
  }
  const config = loadConfig(repo, baseCommit.out.trim(), flags.config);
  const gateConfig = config.gate ? { ...config.gate, ...(config.gate.cache_dir ? { cache_dir: path.resolve(config.dir, config.gate.cache_dir) } : {}) } : {};
  const result = await evaluateGate({
    repoDir: repo,
    base,
    head: flags.head,
    config: gateConfig,
    cacheDir: flags.cache === false ? null : (flags.cacheDir ?? undefined),
  });
  await recordDecision(result, flags, config, repo);
  return result;
}
