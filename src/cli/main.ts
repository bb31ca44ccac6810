import { Command, CommanderError } from 'commander';
import { BulwarkError, ExitCode } from '../domain/errors.js';
import { packageVersion } from '../sandbox/package-paths.js';
import { COMMANDS, type CommandEntry } from './registry.js';

type Registrar = Awaited<ReturnType<CommandEntry['load']>>;

/** The top-level command an argument vector names, if it names one of ours. */
export function selectedCommand(argv: readonly string[]): CommandEntry | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  return COMMANDS.find((c) => c.name === first);
}

/**
 * Builds the program from the given command modules; actions return their exit code through
 * `setExit`. Commands whose module is not given appear by name and summary only.
 */
export function buildProgram(setExit: (code: number) => void, loaded: ReadonlyMap<string, Registrar>): Command {
  const program = new Command('bulwark')
    .description('Sandboxed, audited LLM review of pull requests')
    .version(packageVersion)
    .showSuggestionAfterError(true)
    // subcommand flags (`gate status --json`) reach the subcommand, not its parent
    .enablePositionalOptions()
    .exitOverride();
  for (const entry of COMMANDS) {
    const mod = loaded.get(entry.name);
    if (mod) mod.register(program, setExit);
    else program.command(entry.name).description(entry.summary);
  }
  // Every subcommand inherits exitOverride so usage errors reach main() instead of process.exit.
  const applyOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(applyOverride);
  };
  applyOverride(program);
  return program;
}

/** The program with every command loaded (help, unknown commands, documentation checks). */
export async function buildFullProgram(setExit: (code: number) => void): Promise<Command> {
  const loaded = new Map<string, Registrar>();
  for (const entry of COMMANDS) loaded.set(entry.name, await entry.load());
  return buildProgram(setExit, loaded);
}

/** Runs the CLI and resolves to the process exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.Pass;
  const setExit = (c: number): void => {
    code = c;
  };
  try {
    const selected = selectedCommand(argv);
    const wantsVersion = argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V');
    // only the command being run is loaded; --version loads none; help loads all
    const program = selected
      ? buildProgram(setExit, new Map([[selected.name, await selected.load()]]))
      : wantsVersion
        ? buildProgram(setExit, new Map())
        : await buildFullProgram(setExit);
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
