import type { Command } from 'commander';
import { BulwarkError, ExitCode } from '../domain/errors.js';
import { packageVersion } from '../sandbox/package-paths.js';

export { endProcess } from './process-end.js';

/**
 * The CLI entry. `--version` answers without loading the command-line parser; everything else
 * loads the parser and only the module of the command being run (./program.ts, ./registry.ts).
 */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
    process.stdout.write(`${packageVersion}\n`);
    return ExitCode.Pass;
  }
  try {
    // The audit key leaves the environment before anything can start a child process.
    const { captureEnvSigningKey } = await import('../audit/env-key.js');
    captureEnvSigningKey();
    const { runProgram } = await import('./program.js');
    return await runProgram(argv);
  } catch (err) {
    return reportError(err);
  }
}

/** The program with every command loaded (help, documentation checks). */
export async function buildFullProgram(setExit: (code: number) => void): Promise<Command> {
  return (await import('./program.js')).buildFullProgram(setExit);
}

/** commander's own errors, recognised without importing commander. */
function isCommanderError(err: unknown): err is { code: string } {
  const code: unknown = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('commander.');
}

export function reportError(err: unknown): number {
  if (isCommanderError(err)) {
    // help and version are successful exits; everything else commander raises is a usage error
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.Pass;
    return ExitCode.Usage;
  }
  if (err instanceof BulwarkError) {
    process.stderr.write(`bulwark: ${firstLine(err.message)}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`bulwark: internal error: ${firstLine(message)}\n`);
  if (process.env.BULWARK_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return ExitCode.Internal;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 0 ? line : s;
}
