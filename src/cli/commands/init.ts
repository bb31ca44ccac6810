import type { Command } from 'commander';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../domain/errors.js';
import { CONFIG_FILE_NAME } from '../../app/config.js';
import { INIT_CONFIG_TEXT, INIT_PROMPTS, INIT_TOPOLOGY_PATH, SEED_TOPOLOGY_TEXT } from '../../app/init-templates.js';
import { loadTopology } from '../../pipeline/topology.js';

/** The files `bulwark init` writes, relative to the repository. */
export function initFiles(): Record<string, string> {
  const topoDir = path.posix.dirname(INIT_TOPOLOGY_PATH);
  const files: Record<string, string> = { [CONFIG_FILE_NAME]: INIT_CONFIG_TEXT, [INIT_TOPOLOGY_PATH]: SEED_TOPOLOGY_TEXT };
  for (const [rel, text] of Object.entries(INIT_PROMPTS)) files[path.posix.join(topoDir, rel)] = text;
  return files;
}

/** Writes bulwark.toml, the seed topology and its prompts; refuses to overwrite unless `force`. */
export function initRepository(repoDir: string, force = false): string[] {
  if (!existsSync(repoDir) || !statSync(repoDir).isDirectory()) throw new UsageError(`--repo ${repoDir}: not a directory`);
  const files = initFiles();
  const existing = Object.keys(files).filter((rel) => existsSync(path.join(repoDir, rel)));
  if (existing.length > 0 && !force) throw new UsageError(`${path.join(repoDir, existing[0]!)} already exists (use --force to overwrite ${existing.length} file(s))`);
  for (const [rel, text] of Object.entries(files)) {
    const full = path.join(repoDir, rel);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  // what we wrote must load: the same loader the review uses
  loadTopology(path.join(repoDir, INIT_TOPOLOGY_PATH));
  return Object.keys(files);
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('init')
    .description('Write bulwark.toml, the three-stage review topology and its prompts into a repository')
    .option('--repo <dir>', 'repository to initialise', '.')
    .option('--force', 'overwrite existing files')
    .action((flags: { repo: string; force?: boolean }) => {
      const written = initRepository(flags.repo, Boolean(flags.force));
      for (const f of written) process.stdout.write(`wrote ${path.join(flags.repo, f)}\n`);
      process.stdout.write(`next: commit these files, then run \`bulwark review --repo ${flags.repo}\` on a change\n`);
      setExit(0);
    });
}
