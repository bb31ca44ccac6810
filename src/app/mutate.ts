/**
 * `bulwark mutate`: mutation testing of base...head with configuration from the base revision,
 * the gate's decision to say which survivors matter, and one audit record per run.
 */
import { parseUidRange } from '../sandbox/uid-range.js';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { resolveAuditConfigPaths } from '../audit/config.js';
import { ExitCode, UsageError } from '../domain/errors.js';
import { evaluateGate } from '../gate/index.js';
import { recordMutation } from '../mutation/audit.js';
import { mutateChange, mutationConfigSchema, type MutationReport } from '../mutation/index.js';
import { defaultBase } from '../review/acquire.js';
import { workTreeTop } from '../review/git.js';
import { loadBulwarkConfig, parseBulwarkConfig, type BulwarkConfig } from './config.js';
import { withRun } from './lifecycle.js';

export interface MutateFlags {
  repo: string;
  base?: string;
  head: string;
  config?: string;
  auditDb?: string;
  testCommand?: string;
  maxMutants?: number;
  workers?: number;
  quiet?: boolean;
}

function loadConfig(repo: string, base: string, file: string | undefined): BulwarkConfig {
  if (file) return loadBulwarkConfig(file);
  const shown = spawnSync('git', ['-C', repo, 'show', `${base}:bulwark.toml`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return parseBulwarkConfig(shown.status === 0 ? shown.stdout : '', `${base}:bulwark.toml`, repo);
}

/** Runs mutation testing and records it when an audit log is configured; the exit code is the caller's. */
export async function runMutate(flags: MutateFlags): Promise<{ report: MutationReport; runId?: string }> {
  const repo = workTreeTop(flags.repo);
  const base = flags.base ?? (await defaultBase(repo));
  const baseCommit = spawnSync('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', `${base}^{commit}`], { encoding: 'utf8' });
  if (baseCommit.status !== 0) throw new UsageError(`unknown revision: ${base}`);
  const config = loadConfig(repo, baseCommit.stdout.trim(), flags.config);
  const mutation = mutationConfigSchema.parse({
    ...(config.mutation ?? {}),
    ...(flags.testCommand ? { test_command: flags.testCommand } : {}),
    ...(flags.maxMutants ? { max_mutants: flags.maxMutants } : {}),
    ...(flags.workers ? { workers: flags.workers } : {}),
  });
  const gateConfig = config.gate ? { ...config.gate, ...(config.gate.cache_dir ? { cache_dir: path.resolve(config.dir, config.gate.cache_dir) } : {}) } : {};
  const gate = await evaluateGate({ repoDir: repo, base, head: flags.head, config: gateConfig, cacheDir: null });
  const auditConfig = config.audit ? resolveAuditConfigPaths(config.audit, config.dir) : undefined;
  const location = flags.auditDb ?? (process.env.BULWARK_AUDIT_DB || undefined) ?? auditConfig?.db;
  const sb = config.sandbox;
  const go = (denyPaths: string[]) =>
    mutateChange({
      repoDir: repo,
      base,
      head: flags.head,
      config: mutation,
      sandbox: {
        ...(sb?.uid !== undefined ? { uid: sb.uid } : {}),
        ...(sb?.gid !== undefined ? { gid: sb.gid } : {}),
        ...(sb?.uid_range !== undefined ? { uidRange: parseUidRange(sb.uid_range, '[sandbox] uid_range') } : {}),
        ...(sb?.allow_degraded !== undefined ? { allowDegraded: sb.allow_degraded } : {}),
        denyPaths: [...(sb?.deny_paths ?? []), ...denyPaths],
      },
      gate,
      ...(flags.quiet ? {} : { log: (l: string) => process.stderr.write(l + '\n') }),
    });
  if (!location) return { report: await go([]) };
  return withRun({ kind: 'mutate', auditDb: location, ...(auditConfig ? { auditConfig } : {}) }, async (run) => {
    await run.start({ repo, base, head: flags.head });
    const report = await go(run.auditFiles);
    await recordMutation(run.audit, run.runId, report);
    await run.finish({ status: report.blocking ? 'blocking' : 'pass', exitCode: mutateExitCode(report), findings: report.findings.length });
    return { report, runId: run.runId };
  });
}

/** 1 when the findings block (score below the minimum with survivors in flagged code, or mutants that could not be judged), else 0. */
export function mutateExitCode(r: MutationReport): number {
  return r.blocking ? ExitCode.BlockingFindings : ExitCode.Pass;
}
