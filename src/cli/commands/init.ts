import type { Command } from 'commander';
import path from 'node:path';
import { initRepository } from '../../app/init.js';

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('init')
    .description('Write bulwark.toml, the three-stage review topology and its prompts at the top of a repository')
    .option('--repo <dir>', 'repository to initialise (its git top level; default: the current one)', '.')
    .option('--force', 'overwrite existing files')
    .action((flags: { repo: string; force?: boolean }) => {
      const { root, files } = initRepository(flags.repo, Boolean(flags.force));
      for (const f of files) process.stdout.write(`wrote ${path.join(root, f)}\n`);
      process.stdout.write(
        `next: commit these files (to main; or on a branch, whose first review then asks for one approval), then run \`bulwark review --base main\` in ${root} on a change\n`,
      );
      setExit(0);
    });
}
