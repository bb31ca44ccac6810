import { resolveAuditPath } from '../audit/config-paths.js';
import type { ClassifierContext, GateConfig, GateResult } from '../gate/index.js';
import type { BulwarkConfig } from './config.js';
import type { applyClassifier } from './gate-classifier.js';

// Light on purpose: a resident gate's client finishes its decision here, so this module loads only
// types at first; the classifier (model SDKs, the sandbox) and the audit log (SQLite, PostgreSQL)
// load only in a run that uses them.

/** What a gate decision is made from: the static and signal layers, before the classifier and the log. */
export interface PreparedGate {
  /** Top of the repository's work tree. */
  repo: string;
  /** bulwark.toml as read for the decision (the base revision's, or --config). */
  config: BulwarkConfig;
  /** The deterministic layers' result. */
  statics: GateResult;
  /** What the classifier would be shown. */
  context: ClassifierContext;
  /** The `[gate]` table, parsed. */
  parsed: GateConfig;
}

/** The flags that act after the deterministic layers: the log and the classifier's worker. */
export interface GateFinishFlags {
  auditDb?: string;
  runId?: string;
  /** Run the classifier's worker without the sandbox layers this host lacks. */
  allowDegradedSandbox?: boolean;
}

/** Whether the classifier is consulted: a change the deterministic layers routed to it, with it enabled. */
function classifies(p: PreparedGate): boolean {
  return !p.statics.flagged && p.statics.signals?.routed === true && p.parsed.classifier.enabled;
}

/** Where the decision (and the classifier's model calls) are recorded; undefined = no log configured. */
async function auditLocation(flags: GateFinishFlags, config: BulwarkConfig, env: NodeJS.ProcessEnv) {
  const location = flags.auditDb ?? (env.BULWARK_AUDIT_DB || undefined) ?? resolveAuditPath(config.audit?.db, config.dir);
  // the whole table (and its schema's module) only for a decision that is recorded
  const auditConfig = location && config.audit ? (await import('../audit/config.js')).resolveAuditConfigPaths(config.audit, config.dir) : undefined;
  return { location, auditConfig };
}

/** A sink for model calls when no audit log is configured: nothing is recorded, as for the decision itself. */
const unrecorded = {
  append: () => Promise.resolve(undefined),
  putBlob: async (d: Uint8Array | string) => (await import('../llm/gateway.js')).sha256Ref(d),
};

/**
 * The decision from the deterministic layers: the classifier when they routed the change to it,
 * and the decision appended to the audit log when one is configured.
 */
export async function finishGate(flags: GateFinishFlags, prepared: PreparedGate, env: NodeJS.ProcessEnv = process.env): Promise<GateResult> {
  const { repo, config, statics, context, parsed } = prepared;
  const classify = classifies(prepared);
  const providers = classify ? await (await import('../llm/select.js')).resolveProviders({ config: config.provider ?? {}, configDir: config.dir, env }) : null;
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
      env,
      denyPaths,
      ...(config.sandbox ? { sandbox: config.sandbox } : {}),
      ...(flags.allowDegradedSandbox !== undefined ? { allowDegraded: flags.allowDegradedSandbox } : {}),
    });
  };
  const { location, auditConfig } = await auditLocation(flags, config, env);
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
