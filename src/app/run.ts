import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { changeHashFromRepo } from '../approval/change-hash.js';
import { resolveAuditConfigPaths } from '../audit/config.js';
import { changeSchema, type Change } from '../domain/change.js';
import { DiffParseError, parseUnifiedDiff } from '../domain/diff-parse.js';
import { UsageError } from '../domain/errors.js';
import { decide, OPT_IN_CATEGORIES, type Decision, type VerdictConfig } from '../domain/verdict.js';
import { resolveProviders } from '../llm/select.js';
import { createProgressReporter } from '../pipeline/progress.js';
import { runPipeline, type PipelineResult } from '../pipeline/run.js';
import { loadTopology } from '../pipeline/topology.js';
import { mutationStageRunner, optionalRunner } from './mutation-stage.js';
import { acquireChange } from '../review/acquire.js';
import { workTreeTop } from '../review/git.js';
import { loadBulwarkConfig } from './config.js';
import { withRun } from './lifecycle.js';
import { preflight } from './preflight.js';
import { colorMode } from '../domain/terminal.js';
import { stageStats, type RunStats } from '../review/render-verbose.js';
import { writeOutputFile } from './output-file.js';

export interface RunFlags {
  topology: string;
  input?: string;
  repo?: string;
  config?: string;
  auditDb?: string;
  result: string;
  allowDegradedSandbox?: boolean;
  /** No stage progress. */
  quiet?: boolean;
  /** Progress lines name each stage's provider, model and tokens. */
  verbose?: boolean;
}

export interface RunInput {
  change: Change;
  /**
   * What `run_started.change_hash` records. A git change (no --input): the shared approval hash
   * (`changeHashFromRepo`, src/approval/change-hash.ts: head commit + the full-index diff from the
   * merge base), identical to what `bulwark review` and `bulwark gate` record, so `bulwark approve
   * --run` accepts the run. A patch or JSON input: "sha256:" + SHA-256 of the input bytes exactly as
   * read (`sha256sum FILE` reproduces it); it identifies what was reviewed but cannot be approved:
   * there is no commit to bind an approval to, and `bulwark approve` refuses it.
   */
  changeHash: string;
}

/**
 * The change to run on: `--input` is a JSON change description (the Change schema of
 * src/review/change.ts) or a unified diff; without it, the git change of `--repo` (default
 * base..HEAD as `bulwark review` resolves it).
 */
export async function readRunInput(input: string | undefined, repoDir: string | null, stdin: () => Buffer = () => readFileSync(0)): Promise<RunInput> {
  if (input === undefined) {
    const change = await acquireChange({ repoDir: repoDir ?? '.', env: {} });
    if (!change.repoDir || !change.baseSha || !change.headSha) throw new UsageError(`--repo ${repoDir ?? '.'}: no base and head commit to review`);
    return { change, changeHash: (await changeHashFromRepo(change.repoDir, change.baseSha, change.headSha)).changeHash };
  }
  let bytes: Buffer;
  try {
    bytes = input === '-' ? stdin() : readFileSync(input);
  } catch (err) {
    throw new UsageError(`--input ${input}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const changeHash = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  const label = input === '-' ? 'standard input' : input;
  const text = bytes.toString('utf8');
  if (/^\s*\{/.test(text)) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`--input ${label}: invalid JSON (${(err as Error).message})`);
    }
    const r = changeSchema.safeParse(raw);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new UsageError(`--input ${label}: not a change description: ${i.path.join('.') || '(root)'}: ${i.message}`);
    }
    return { change: { ...r.data, repoDir: repoDir ?? r.data.repoDir }, changeHash };
  }
  let files;
  try {
    files = parseUnifiedDiff(bytes);
  } catch (err) {
    if (err instanceof DiffParseError) throw new UsageError(`--input ${label}: ${err.message}`);
    throw err;
  }
  if (files.length === 0) throw new UsageError(`--input ${label}: neither a JSON change description nor a unified diff with changes`);
  return {
    change: { source: { kind: 'patch', description: `patch ${label}` }, repoDir, baseSha: null, headSha: null, mergeBase: null, files, pr: null },
    changeHash,
  };
}

/**
 * `bulwark run`'s verdict, by the same policy as `bulwark review` (domain/verdict.ts): every
 * finding counts whatever its confidence or category, a high or critical one blocks, and a stage
 * that did not finish (or no provider) is an error. No gate runs, so nothing asks for approval.
 */
export function runDecision(result: PipelineResult): Decision {
  const errors = result.status !== 'ok' || result.noProvider ? [result.noProvider ? 'no provider' : 'a stage did not finish'] : [];
  return decide({ findings: result.findings, config: RUN_VERDICT_CONFIG, gate: null, errors });
}

const RUN_VERDICT_CONFIG: VerdictConfig = { fail_on: 'high', min_confidence: 0, block_categories: [], enable_categories: [...OPT_IN_CATEGORIES] };

/** `bulwark run` exit policy: 5 unless every stage ran; 1 when a finding is high or critical; else 0. */
export function runExitCode(result: PipelineResult): number {
  return runDecision(result).exitCode;
}

export interface RunOutcome {
  exitCode: number;
  runId: string;
  auditLocation: string;
  summaryMarkdown: string;
  /** Timings, models and tokens of the run (what `--verbose` prints). */
  stats: RunStats;
}

/** `bulwark run`: any topology on a change, recorded as one run of the audit log. */
export async function runTopology(flags: RunFlags): Promise<RunOutcome> {
  const started = performance.now();
  // unreadable inputs and an unwritable result file fail here, before the audit log or a model is touched
  preflight(
    [
      { flag: '--topology', file: flags.topology },
      ...(flags.input !== undefined ? [{ flag: '--input', file: flags.input }] : []),
      ...(flags.config !== undefined ? [{ flag: '--config', file: flags.config, folderOk: true }] : []),
    ],
    [{ flag: '--result', file: flags.result }],
  );
  const topology = loadTopology(flags.topology);
  const repoDir = flags.repo !== undefined ? workTreeTop(flags.repo) : flags.input === undefined ? workTreeTop('.') : null;
  const cfg = loadBulwarkConfig(flags.config ?? repoDir ?? process.cwd());
  const { change, changeHash } = await readRunInput(flags.input, repoDir);
  const providers = await resolveProviders({ config: cfg.provider, configDir: cfg.dir, env: process.env });
  const auditConfig = cfg.audit ? resolveAuditConfigPaths(cfg.audit, cfg.dir) : undefined;
  const hash = (s: string): string => 'sha256:' + createHash('sha256').update(s).digest('hex');
  const prepared = performance.now();
  return withRun(
    { kind: 'run', ...(flags.auditDb ? { auditDb: flags.auditDb } : {}), ...(auditConfig ? { auditConfig } : {}), startedAt: started },
    async (run) => {
      await run.start({
        ...(change.repoDir ? { repo: change.repoDir } : {}),
        ...(change.baseSha ? { base: change.baseSha } : {}),
        ...(change.headSha ? { head: change.headSha } : {}),
        change_hash: changeHash,
        topology_hash: hash(readFileSync(topology.file, 'utf8')),
      });
      const result = await runPipeline({
        signal: run.signal,
        topology,
        change,
        audit: run.audit,
        runId: run.runId,
        providers,
        providerConfig: cfg.provider,
        repoDir: change.repoDir,
        // the store actually opened, its key, checkpoint file and verifier state: never readable by a stage
        denyPaths: run.auditFiles,
        ...optionalRunner(mutationStageRunner({ change, config: cfg, audit: run.audit, runId: run.runId, denyPaths: run.auditFiles })),
        // the flag only ever allows; without it the [sandbox] table's allow_degraded decides
        ...(flags.allowDegradedSandbox ? { allowDegradedSandbox: true } : {}),
        ...(cfg.sandbox ? { sandboxConfig: cfg.sandbox } : {}),
        ...(flags.quiet
          ? {}
          : {
              progress: createProgressReporter(
                topology.stages.map((s) => s.name),
                process.stderr,
                { ...colorMode(process.env, process.stderr.isTTY === true), verbose: Boolean(flags.verbose) },
              ),
            }),
      });
      const ran = performance.now();
      const decision = runDecision(result);
      const exit = decision.exitCode;
      await run.finish({
        status: decision.outcome,
        exitCode: exit,
        findings: result.findings.length,
        ...(decision.outcome === 'error' ? { errorClass: result.noProvider ? 'no_provider' : 'stage_failed' } : {}),
        usage: result.usage,
        ...(cfg.provider.currency || cfg.provider.pricing?.length ? { currency: cfg.provider.currency ?? 'USD' } : {}),
      });
      writeOutputFile('--result', flags.result, JSON.stringify({ runId: run.runId, topology: topology.name, exitCode: exit, ...result }, null, 2) + '\n');
      const stats: RunStats = {
        phases: [
          { name: 'preparation', ms: Math.round(prepared - started) },
          { name: 'pipeline', ms: Math.round(ran - prepared) },
        ],
        stages: stageStats(result.stages),
        tokensUsed: result.tokensUsed,
        llmCalls: result.llmCalls,
        totalMs: Math.round(performance.now() - started),
      };
      return { exitCode: exit, runId: run.runId, auditLocation: run.audit.location, summaryMarkdown: result.summaryMarkdown, stats };
    },
  );
}
