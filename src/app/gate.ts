import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { resolveAuditConfigPaths } from '../audit/config.js';
import { UsageError } from '../domain/errors.js';
import { evaluateGateDetailed } from '../gate/index.js';
import type { GateResult } from '../gate/types.js';
import { workTreeTop } from '../review/git.js';
import { loadBulwarkConfig, parseBulwarkConfig, type BulwarkConfig } from './config.js';
import type { applyClassifier } from './gate-classifier.js';

// The classifier (model SDKs, the sandbox), the audit log (SQLite, PostgreSQL) and the default
// base's remote lookup are loaded only by a run that uses them: most decisions need none of them,
// and loading them all costs a gate run more than its warm analysis.

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
  /** Run the classifier's worker without the sandbox layers this host lacks. */
  allowDegradedSandbox?: boolean;
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

/** Where the decision (and the classifier's model calls) are recorded; undefined = no log configured. */
function auditLocation(
  flags: GateFlags,
  config: BulwarkConfig,
): { location: string | undefined; auditConfig: ReturnType<typeof resolveAuditConfigPaths> | undefined } {
  const auditConfig = config.audit ? resolveAuditConfigPaths(config.audit, config.dir) : undefined;
  return { location: flags.auditDb ?? (process.env.BULWARK_AUDIT_DB || undefined) ?? auditConfig?.db, auditConfig };
}

/** A sink for model calls when no audit log is configured: nothing is recorded, as for the decision itself. */
const unrecorded = {
  append: () => Promise.resolve(undefined),
  putBlob: async (d: Uint8Array | string) => (await import('../llm/gateway.js')).sha256Ref(d),
};

/** `bulwark gate`: the decision for base..head, with configuration from the base revision, recorded when a log is configured. */
export async function runGate(flags: GateFlags): Promise<GateResult> {
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
  const classify = !statics.flagged && statics.signals?.routed === true && parsed.classifier.enabled;
  const providers = classify
    ? await (await import('../llm/select.js')).resolveProviders({ config: config.provider ?? {}, configDir: config.dir, env: process.env })
    : null;
  const decide = async (audit: Parameters<typeof applyClassifier>[0]['audit'], runId: string, denyPaths: string[]): Promise<GateResult> => {
    // without the classifier the static layers decide (their layer is already set)
    if (!classify) return { ...statics };
    const { applyClassifier } = await import('./gate-classifier.js');
    return applyClassifier({
      result: statics,
      context,
      config: parsed,
      repoDir: repo,
      providers: providers ?? { byName: new Map(), defaultName: null, keyFiles: [] },
      audit,
      runId,
      env: process.env,
      denyPaths,
      ...(config.sandbox ? { sandbox: config.sandbox } : {}),
      ...(flags.allowDegradedSandbox !== undefined ? { allowDegraded: flags.allowDegradedSandbox } : {}),
    });
  };
  const { location, auditConfig } = auditLocation(flags, config);
  if (!location) return decide(unrecorded, flags.runId ?? `gate-${statics.head.slice(0, 12)}`, []);
  const [{ changeHashFromRepo }, { gateDecisionEntry }, { withRun }] = await Promise.all([
    import('../approval/change-hash.js'),
    import('../domain/run-entries.js'),
    import('./lifecycle.js'),
  ]);
  // result.base is already the merge base, so this is the same diff an approval is bound to
  const { changeHash } = await changeHashFromRepo(repo, statics.base, statics.head);
  const runId = flags.runId ?? `gate-${statics.head.slice(0, 12)}-${Date.now().toString(36)}`;
  // a gate run's record is its decision (with the classifier's model calls before it): no run_started/run_finished frame
  return withRun({ kind: 'gate', auditDb: location, ...(auditConfig ? { auditConfig } : {}), runId }, async (run) => {
    const result = await decide(run.audit, run.runId, run.auditFiles);
    const c = result.classifier;
    await run.audit.append(gateDecisionEntry(run.runId, result, changeHash, c?.zone ? [{ zone: c.zone, provider: c.provider, region: c.region ?? '' }] : []));
    return result;
  });
}
