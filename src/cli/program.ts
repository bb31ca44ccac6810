import { Command } from 'commander';
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

/** Parses and runs the command line; resolves to the exit code an action set (0 by default). */
export async function runProgram(argv: string[]): Promise<number> {
  let code = 0;
  const setExit = (c: number): void => {
    code = c;
  };
  const selected = selectedCommand(argv);
  // only the command being run is loaded; help and unknown commands load all
  const program = selected ? buildProgram(setExit, new Map([[selected.name, await selected.load()]])) : await buildFullProgram(setExit);
  await program.parseAsync(argv);
  return code;
}
