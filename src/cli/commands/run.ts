import type { Command } from 'commander';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { changeHashFromRepo } from '../../approval/change-hash.js';
import { openAuditLog } from '../../audit/index.js';
import { auditStoreFiles, resolveAuditConfigPaths } from '../../audit/config.js';
import { loadBulwarkConfig } from '../../config/bulwark-config.js';
import { loadTopology } from '../../config/topology.js';
import { BulwarkError, ExitCode, UsageError } from '../../errors.js';
import { resolveProviders } from '../../llm/select.js';
import { createProgressReporter } from '../../pipeline/progress.js';
import { runPipeline, type PipelineResult } from '../../pipeline/run.js';
import { acquireChange } from '../../review/acquire.js';
import { changeSchema, type Change } from '../../review/change.js';
import { DiffParseError, parseUnifiedDiff } from '../../review/diff-parse.js';
import { atLeast } from '../../review/findings.js';
import { register as registerInit } from './init.js';

interface RunFlags {
  topology: string;
  input?: string;
  repo?: string;
  config?: string;
  auditDb?: string;
  result: string;
  allowDegradedSandbox?: boolean;
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
  return { change: { source: { kind: 'patch', description: `patch ${label}` }, repoDir, baseSha: null, headSha: null, mergeBase: null, files, pr: null }, changeHash };
}

/** `bulwark run` exit policy: 5 unless every stage ran; 1 when a finding is high or critical; else 0. */
export function runExitCode(result: PipelineResult): number {
  if (result.status !== 'ok' || result.noProvider) return ExitCode.Internal;
  return result.findings.some((f) => atLeast(f.severity, 'high')) ? ExitCode.BlockingFindings : ExitCode.Pass;
}

function writeAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    throw new UsageError(`--result ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Registers `bulwark run` and `bulwark init` (the pipeline's two commands; one registry entry). */
export function register(program: Command, setExit: (code: number) => void): void {
  registerInit(program, setExit);
  program
    .command('run')
    .description('Run any topology on a change: exit 0 done, 1 high/critical findings, 5 a stage failed or no provider')
    .requiredOption('--topology <file>', 'topology TOML ([[pipeline.stages]] ...)')
    .option('--input <file>', "change to review: a JSON change description or a unified diff ('-' = standard input); default: the git change of --repo")
    .option('--repo <dir>', 'repository checkout the stages may read (default: none for --input, else .)')
    .option('--config <file>', 'bulwark.toml for [provider]/[audit] settings (default: <repo>/bulwark.toml if present)')
    .option('--audit-db <location>', 'audit log: SQLite path or postgres:// URL')
    .option('--result <file>', 'JSON result file', 'bulwark-result.json')
    .option('--allow-degraded-sandbox', 'run even if a sandbox layer cannot be enforced (recorded in the audit log)')
    .action(async (flags: RunFlags) => {
      const started = performance.now();
      const topology = loadTopology(flags.topology);
      const repoDir = flags.repo !== undefined ? path.resolve(flags.repo) : flags.input === undefined ? path.resolve('.') : null;
      const cfg = loadBulwarkConfig(flags.config ?? repoDir ?? process.cwd());
      const { change, changeHash } = await readRunInput(flags.input, repoDir);
      const providers = await resolveProviders({ config: cfg.provider, configDir: cfg.dir, env: process.env });
      const audit = await openAuditLog({
        ...(flags.auditDb ? { location: flags.auditDb } : {}),
        ...(cfg.audit ? { config: resolveAuditConfigPaths(cfg.audit, cfg.dir) } : {}),
      });
      const runId = `run-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(4).toString('hex')}`;
      const hash = (s: string): string => 'sha256:' + createHash('sha256').update(s).digest('hex');
      let finished = false;
      try {
        await audit.append({
          kind: 'run_started',
          run_id: runId,
          command: 'run',
          ...(change.repoDir ? { repo: change.repoDir.slice(0, 4096) } : {}),
          ...(change.baseSha ? { base: change.baseSha } : {}),
          ...(change.headSha ? { head: change.headSha } : {}),
          change_hash: changeHash,
          topology_hash: hash(readFileSync(topology.file, 'utf8')),
        });
        const result = await runPipeline({
          topology,
          change,
          audit,
          runId,
          providers,
          providerConfig: cfg.provider,
          repoDir: change.repoDir,
          // the store actually opened, its key, checkpoint file and verifier state: never readable by a stage
          denyPaths: auditStoreFiles(audit.location, cfg.audit ? resolveAuditConfigPaths(cfg.audit, cfg.dir) : undefined),
          // the flag only ever allows; without it the [sandbox] table's allow_degraded decides
          ...(flags.allowDegradedSandbox ? { allowDegradedSandbox: true } : {}),
          ...(cfg.sandbox ? { sandboxConfig: cfg.sandbox } : {}),
          progress: createProgressReporter(topology.stages.map((s) => s.name), process.stderr),
        });
        const exit = runExitCode(result);
        await audit.append({
          kind: 'run_finished',
          run_id: runId,
          status: exit === 0 ? 'pass' : exit === 1 ? 'blocking' : 'error',
          exit_code: exit,
          duration_ms: Math.round(performance.now() - started),
          findings: result.findings.length,
          ...(exit === ExitCode.Internal ? { error_class: result.noProvider ? 'no_provider' : 'stage_failed' } : {}),
        });
        finished = true;
        writeAtomic(flags.result, JSON.stringify({ runId, topology: topology.name, exitCode: exit, ...result }, null, 2) + '\n');
        // as in `bulwark review`: a run whose log cannot be checkpointed is not evidence, so it fails closed
        await audit.checkpoint();
        process.stdout.write(result.summaryMarkdown);
        process.stderr.write(`result: ${flags.result} · audit run id: ${runId} (${audit.location})\n`);
        setExit(exit);
      } catch (err) {
        if (!finished)
          await audit
            .append({ kind: 'run_finished', run_id: runId, status: 'error', exit_code: err instanceof BulwarkError ? err.exitCode : 5, duration_ms: Math.round(performance.now() - started), error_class: (err as Error).name?.slice(0, 256) || 'error' })
            .catch(() => undefined);
        throw err;
      } finally {
        await audit.close().catch(() => undefined);
      }
    });
}
