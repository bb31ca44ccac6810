import type { Command } from 'commander';

/** One subsystem's commands. `setExit` records the exit code the action decided on. */
export interface CommandModule {
  register(program: Command, setExit: (code: number) => void): void;
}
