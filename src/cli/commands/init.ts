import type { Command } from 'commander';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { rootsReport } from '../../app/gate-roots.js';
import { initRepository } from '../../app/init.js';

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('init')
    .description('Write bulwark.toml, the three-stage review topology and its prompts at the top of a repository')
    .option('--repo <dir>', 'repository to initialise (its git top level; default: the current one)', '.')
    .option('--force', 'overwrite existing files')
    .option('--accept-suggested-roots', 'write the regulated roots found in the code into [gate] without asking')
    .option('--no-suggest-roots', 'do not look for regulated roots (the defaults are written)')
    .action(async (flags: { repo: string; force?: boolean; acceptSuggestedRoots?: boolean; suggestRoots: boolean }) => {
      let roots: string[] | null = null;
      // require_roots only when the roots written match code here: init never writes a config whose first review fails
      let requireRoots = true;
      if (flags.suggestRoots) {
        const report = await rootsReport({ repo: flags.repo, workingTree: true, suggest: true });
        const defaultsMatch = report.configured.some((c) => c.matches > 0);
        const found = report.suggestions;
        if (found.length === 0) process.stdout.write('no regulated roots found in the code; [gate] gets the default roots\n');
        else {
          process.stdout.write(`suggested regulated roots (${found.length}):\n`);
          for (const s of found) process.stdout.write(`  ${s.root}  (${s.language}; ${s.why})\n`);
          const accept =
            flags.acceptSuggestedRoots ??
            (process.stdin.isTTY && process.stdout.isTTY ? await confirm(`write these ${found.length} roots into [gate]? [y/N] `) : false);
          if (accept) roots = found.map((s) => s.root);
          else process.stdout.write('not written (--accept-suggested-roots writes them); [gate] gets the default roots\n');
        }
        if (roots === null && !defaultsMatch) {
          requireRoots = false;
          process.stdout.write(
            'warning: no regulated root matches a function in this repository, so the gate cannot see call paths to regulated code;\n' +
              '  [gate] require_roots is written false until you name your regulated functions in [gate] roots\n' +
              '  (`bulwark gate roots --suggest` proposes them), then set it true\n',
          );
        }
      }
      const { root, files } = initRepository(flags.repo, Boolean(flags.force), roots, requireRoots);
      for (const f of files) process.stdout.write(`wrote ${path.join(root, f)}\n`);
      process.stdout.write(
        `next: commit these files (to main; or on a branch, whose first review then asks for one approval), then run \`bulwark review --base main\` in ${root} on a change\n`,
      );
      setExit(0);
    });
}
