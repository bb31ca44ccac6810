/**
 * A topology's `kind = "mutation"` stage: mutation testing of the change under review with the
 * base revision's `[mutation]` and `[sandbox]` tables, recorded in the run's audit log, its
 * counts, score and survivors handed to later stages as structured context.
 */
import { parseUidRange } from '../sandbox/uid-range.js';
import type { EntryInput } from '../domain/audit-entries.js';
import type { Change } from '../domain/change.js';
import { evaluateGate } from '../gate/index.js';
import type { GateResult } from '../gate/types.js';
import { recordMutation } from '../mutation/audit.js';
import { mutateChange, mutationConfigSchema } from '../mutation/index.js';
import { renderMutationMarkdown } from '../mutation/render.js';
import type { NonModelStageResult } from '../pipeline/run.js';
import type { StageSpec } from '../pipeline/topology.js';
import type { BulwarkConfig } from './config.js';

export interface MutationStageDeps {
  change: Change;
  config: BulwarkConfig;
  gate?: GateResult;
  audit: { putBlob(data: string): Promise<string>; append(entry: EntryInput): Promise<unknown> };
  runId: string;
  denyPaths: string[];
}

/** The stage runner for the pipeline, or undefined when the change has no local checkout of both revisions. */
export function mutationStageRunner(d: MutationStageDeps): ((stage: StageSpec) => Promise<NonModelStageResult>) | undefined {
  const { change } = d;
  const base = change.mergeBase ?? change.baseSha;
  if (!change.repoDir || !base || !change.headSha) return undefined;
  const repoDir = change.repoDir;
  const head = change.headSha;
  return async (stage) => {
    const sb = d.config.sandbox;
    // survivors become findings only in code the gate flags: decide it here when the caller has not
    const gate = d.gate ?? (await evaluateGate({ repoDir, base, head, config: d.config.gate ?? {}, cacheDir: null }));
    const report = await mutateChange({
      repoDir,
      base,
      head,
      config: mutationConfigSchema.parse(d.config.mutation ?? {}),
      sandbox: {
        ...(sb?.uid !== undefined ? { uid: sb.uid } : {}),
        ...(sb?.gid !== undefined ? { gid: sb.gid } : {}),
        ...(sb?.uid_range !== undefined ? { uidRange: parseUidRange(sb.uid_range, '[sandbox] uid_range') } : {}),
        ...(sb?.allow_degraded !== undefined ? { allowDegraded: sb.allow_degraded } : {}),
        denyPaths: [...(sb?.deny_paths ?? []), ...d.denyPaths],
      },
      gate,
      stage: stage.name,
    });
    await recordMutation(d.audit, d.runId, report, stage.name);
    const survivors = report.outcomes
      .filter((o) => o.status === 'survived')
      .slice(0, 100)
      .map((o) => ({
        file: o.mutant.file,
        line: o.mutant.line,
        operator: o.mutant.operator,
        original: o.mutant.original.slice(0, 200),
        replacement: o.mutant.replacement.slice(0, 200),
      }));
    return {
      markdown: renderMutationMarkdown(report),
      findings: report.findings,
      data: {
        kind: 'mutation',
        score: report.score,
        min_score: report.minScore,
        blocking: report.blocking,
        counts: report.counts,
        baseline_ok: report.baseline.ok,
        test_command: report.testCommand,
        survivors,
      },
    };
  };
}

/** Spreads into runPipeline's options: the runner when there is one. */
export function optionalRunner(r: ReturnType<typeof mutationStageRunner>): { runMutationStage?: NonNullable<ReturnType<typeof mutationStageRunner>> } {
  return r ? { runMutationStage: r } : {};
}

/** The same result for every call: one mutation run serves every chunk of a chunked review. */
export function onceRunner(r: ReturnType<typeof mutationStageRunner>): ReturnType<typeof mutationStageRunner> {
  if (!r) return undefined;
  const memo = new Map<string, Promise<NonModelStageResult>>();
  return (stage) => {
    let p = memo.get(stage.name);
    if (!p) memo.set(stage.name, (p = r(stage)));
    return p;
  };
}
