import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../domain/errors.js';
import { loadTopology } from '../pipeline/topology.js';
import { workTreeTop } from '../review/git.js';
import { CONFIG_FILE_NAME, loadBulwarkConfig } from './config.js';
import { DEFAULT_ROOTS } from '../gate/config.js';
import { INIT_CONFIG_TEXT, INIT_PROMPTS, INIT_TOPOLOGY_PATH, SEED_TOPOLOGY_TEXT, initGateSection } from './init-templates.js';

/** The files `bulwark init` writes, relative to the repository. */
export function initFiles(roots: readonly string[] | null = null, requireRoots = true): Record<string, string> {
  const topoDir = path.posix.dirname(INIT_TOPOLOGY_PATH);
  const files: Record<string, string> = {
    [CONFIG_FILE_NAME]: INIT_CONFIG_TEXT + initGateSection(roots, DEFAULT_ROOTS, requireRoots),
    [INIT_TOPOLOGY_PATH]: SEED_TOPOLOGY_TEXT,
  };
  for (const [rel, text] of Object.entries(INIT_PROMPTS)) files[path.posix.join(topoDir, rel)] = text;
  return files;
}

/** Writes bulwark.toml, the seed topology and its prompts; refuses to overwrite unless `force`. */
export function initRepository(dir: string, force = false, roots: readonly string[] | null = null, requireRoots = true): { root: string; files: string[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--repo ${dir}: not a directory`);
  const repoDir = workTreeTop(dir);
  if (!existsSync(repoDir) || !statSync(repoDir).isDirectory()) throw new UsageError(`--repo ${repoDir}: not a directory`);
  const files = initFiles(roots, requireRoots);
  const existing = Object.keys(files).filter((rel) => existsSync(path.join(repoDir, rel)));
  if (existing.length > 0 && !force)
    throw new UsageError(`${path.join(repoDir, existing[0]!)} already exists (use --force to overwrite ${existing.length} file(s))`);
  for (const [rel, text] of Object.entries(files)) {
    const full = path.join(repoDir, rel);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  // what we wrote must load: the same loaders the review uses
  loadTopology(path.join(repoDir, INIT_TOPOLOGY_PATH));
  loadBulwarkConfig(path.join(repoDir, CONFIG_FILE_NAME));
  return { root: repoDir, files: Object.keys(files) };
}
