import { Option, type Command } from 'commander';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { changeHashFromRepo } from '../../approval/change-hash.js';
import { resolveAuditConfigPaths } from '../../audit/config.js';
import { openAuditLog } from '../../audit/index.js';
import { loadBulwarkConfig, parseBulwarkConfig, type BulwarkConfig } from '../../config/bulwark-config.js';
import { ExitCode, UsageError } from '../../errors.js';
import { evaluateGate } from '../../gate/index.js';
import { defaultBase } from '../../review/acquire.js';
import { renderGateText } from '../../gate/render.js';
import type { GateResult } from '../../gate/types.js';
import { register as registerCallgraph } from './callgraph.js';

interface GateFlags {
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

const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

async function recordDecision(result: GateResult, flags: GateFlags, config: BulwarkConfig, repo: string): Promise<void> {
  const audit = config.audit ? resolveAuditConfigPaths(config.audit, config.dir) : undefined;
  const location = flags.auditDb ?? (process.env.BULWARK_AUDIT_DB || undefined) ?? audit?.db;
  if (!location) return; // no audit log configured: nothing to append to
  // result.base is already the merge base, so this is the same diff an approval is bound to
  const { changeHash } = await changeHashFromRepo(repo, result.base, result.head);
  const log = await openAuditLog({ location, config: audit });
  try {
    await log.append({
      kind: 'gate_decision',
      run_id: flags.runId ?? `gate-${result.head.slice(0, 12)}-${Date.now().toString(36)}`,
      flagged: result.flagged,
      reasons: result.reasons.slice(0, 500).map((r) => clip(r.message, 4096)),
      zones: result.zones.map((z) => clip(z.name, 256)),
      paths: result.paths.slice(0, 500).map((p) => p.nodes.map((n) => clip(n, 256))),
      changed_functions: new Set(result.changedFunctions.map((c) => c.id)).size,
      unparsable: result.unparsable.map((u) => clip(`${u.file} (${u.revision}): ${u.reason}`, 4096)),
      change_hash: changeHash,
    });
  } finally {
    await log.close();
  }
}

/** Registers `bulwark gate` (a command that also accepts subcommands, e.g. `gate status`) and `bulwark callgraph`. */
export function register(program: Command, setExit: (code: number) => void): void {
  registerCallgraph(program, setExit);
  // `gate` has its own options and subcommands (`gate status`): with positional options the
  // subcommand's flags (`gate status --json`) reach the subcommand instead of `gate`. The program
  // itself has no options besides --version/--help, so this changes nothing else.
  program.enablePositionalOptions();
  program
    .command('gate')
    .enablePositionalOptions()
    .description('decide whether a change needs human review (exit 0: no, 2: yes) from call paths to regulated code, zones, SQL and payment hosts')
    .option('--repo <dir>', 'git repository', '.')
    .option('--base <ref>', 'base revision (default: origin/HEAD, origin/main, origin/master, main or master)')
    .option('--head <ref>', 'head revision', 'HEAD')
    .option('--json', 'print the decision as JSON')
    .option('--config <file>', 'bulwark.toml to use (default: bulwark.toml of the base revision)')
    .option('--audit-db <location>', 'append the decision to this audit log (SQLite path or postgres:// URL)')
    .option('--cache-dir <dir>', 'parse cache directory (default: $XDG_CACHE_HOME/bulwark/gate)')
    .option('--no-cache', 'do not read or write the parse cache')
    .addOption(new Option('--run-id <id>', 'run id recorded with the decision').hideHelp())
    .action(async (flags: GateFlags) => {
      const repo = path.resolve(flags.repo);
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
      process.stdout.write(flags.json ? JSON.stringify(result, null, 2) + '\n' : renderGateText(result));
      setExit(result.flagged ? ExitCode.ApprovalRequired : ExitCode.Pass);
    });
}

