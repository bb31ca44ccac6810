/**
 * `bulwark sandbox exec|doctor|policy`. Thin: parse flags, build the policy, call src/sandbox;
 * `policy` prints exactly what a stage worker of the repository gets.
 */
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { ExitCode, UsageError } from '../../domain/errors.js';
import { describePolicy, renderPolicyText } from '../../sandbox/describe.js';
import { kernelFacts, renderDoctorText, runDoctor } from '../../sandbox/doctor.js';
import { spawnSandboxed } from '../../sandbox/launcher.js';
import { runtimePolicy } from '../../sandbox/policy.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parseTimeout(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--timeout expects a positive number of seconds, got '${s}'`);
  return n;
}

/** Absolute paths for rule flags; a path that does not exist is a usage error naming it. */
function rulePaths(flag: string, values: string[] | undefined): string[] {
  return (values ?? []).map((v) => {
    const abs = path.resolve(v);
    if (!existsSync(abs)) throw new UsageError(`${flag}: path does not exist: ${v}`);
    return abs;
  });
}

/** Resolves CMD like a shell would (PATH search), so a missing command is a usage error, not a sandbox one. */
function resolveCommand(cmd: string): string {
  const candidates = cmd.includes('/')
    ? [path.resolve(cmd)]
    : (process.env.PATH ?? '/usr/bin:/bin')
        .split(':')
        .filter(Boolean)
        .map((d) => path.join(d, cmd));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // keep looking
    }
  }
  throw new UsageError(`command not found or not executable: ${cmd}`);
}

function signalExitCode(signal: NodeJS.Signals | null): number {
  const n = signal ? os.constants.signals[signal] : undefined;
  return 128 + (n ?? 0);
}

interface ExecFlags {
  read?: string[];
  write?: string[];
  exec?: string[];
  env?: string[];
  timeout?: number;
  allowDegraded?: boolean;
}

/** Registers `bulwark sandbox …` (see CommandModule). */
export function register(program: Command, setExit: (code: number) => void): void {
  const sandbox = program.command('sandbox').description('Run commands under the OS sandbox; check and print what it enforces');

  sandbox
    .command('exec')
    .description(
      "Run CMD under the sandbox policy and pass its exit code through (the sandbox's own failures exit 4). " +
        'Besides the flags, only what a program needs to start is granted: system libraries and binaries (read/exec), ' +
        'the Node runtime, /dev/null. No network: the command gets no sockets and no egress broker.',
    )
    .option('--read <path>', 'grant read-only access to a file or directory tree (repeatable)', collect)
    .option('--write <path>', 'grant read-write access, without execute (repeatable)', collect)
    .option('--exec <path>', 'grant read + execute (repeatable)', collect)
    .option('--env <name>', 'keep this environment variable (repeatable); everything else is cleared', collect)
    .addOption(new Option('--timeout <seconds>', 'kill the command and everything it started after this long').argParser(parseTimeout))
    .option('--allow-degraded', 'run even if a layer cannot be enforced (prints which)')
    .argument('<cmd>', 'command to run (put -- before it)')
    .argument('[args...]', 'its arguments')
    .action(async (cmd: string, args: string[], flags: ExecFlags) => {
      const command = resolveCommand(cmd);
      const policy = runtimePolicy({
        readPaths: rulePaths('--read', flags.read),
        writePaths: rulePaths('--write', flags.write),
        // The command itself must be executable inside; add just that file.
        execPaths: [...rulePaths('--exec', flags.exec), realpathSync(command)],
        envAllow: flags.env ?? [],
        ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}),
        allowDegraded: flags.allowDegraded === true,
      });
      // Signals are forwarded from before the start, so none is lost while the launcher runs.
      let child: ChildProcess | undefined;
      let pending: NodeJS.Signals | undefined;
      const forward = (sig: NodeJS.Signals) => () => {
        if (child) child.kill(sig);
        else pending = sig;
      };
      const onInt = forward('SIGINT');
      const onTerm = forward('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      let sp: Awaited<ReturnType<typeof spawnSandboxed>>;
      let code: number | null;
      let signal: NodeJS.Signals | null;
      try {
        sp = await spawnSandboxed(policy, command, args, { stdio: 'inherit' });
        child = sp.child;
        if (pending) child.kill(pending);
        [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
          if (sp.child.exitCode !== null || sp.child.signalCode !== null) resolve([sp.child.exitCode, sp.child.signalCode]);
          else sp.child.once('exit', (c, s) => resolve([c, s]));
        });
      } finally {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      }
      if (sp.timedOut()) process.stderr.write(`bulwark: sandboxed command killed after the ${flags.timeout} s timeout\n`);
      setExit(code ?? signalExitCode(signal));
    });

  sandbox
    .command('doctor')
    .description('Report the Landlock ABI, each layer and whether it is enforced here (by running the launcher on a probe)')
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }) => {
      const report = await runDoctor();
      process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : renderDoctorText(report));
      setExit(report.ok ? ExitCode.Pass : ExitCode.Sandbox);
    });

  sandbox
    .command('policy')
    .description('Print the effective policy of a stage worker in words an auditor can read')
    .option('--json', 'machine-readable output')
    .option('--repo <dir>', 'repository whose bulwark.toml [sandbox] table applies', '.')
    .action(async (flags: { json?: boolean; repo: string }) => {
      // loaded here: computing a stage's policy pulls in the pipeline, which exec and doctor never need
      const { effectiveStagePolicy } = await import('../../app/sandbox-policy.js');
      const policy = effectiveStagePolicy(flags.repo);
      const d = describePolicy(policy, kernelFacts());
      process.stdout.write(flags.json ? JSON.stringify(d, null, 2) + '\n' : renderPolicyText(d));
      setExit(ExitCode.Pass);
    });
}
