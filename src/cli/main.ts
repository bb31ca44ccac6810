import { Command, CommanderError } from 'commander';
import { BulwarkError, ExitCode } from '../errors.js';
import { packageVersion } from '../paths.js';
import { commandModules } from './registry.js';

/**
 * Builds the program. Each subsystem registers its own commands (src/cli/commands/*.ts);
 * actions return their exit code through `setExit`.
 */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('bulwark')
    .description('Sandboxed, audited LLM review of pull requests')
    .version(packageVersion)
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const mod of commandModules) mod.register(program, setExit);
  // Every subcommand inherits exitOverride so usage errors reach main() instead of process.exit.
  const applyOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(applyOverride);
  };
  applyOverride(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.Pass;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
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
