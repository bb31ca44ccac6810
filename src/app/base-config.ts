import { createHash, type Hash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { CONFIG_FILE_NAME, loadBulwarkConfig, parseBulwarkConfig, type BulwarkConfig } from './config.js';
import { loadTopology, type Topology } from '../pipeline/topology.js';
import { defaultReviewConfig, type ReviewConfig } from '../review/config.js';
import { gitText, showFile } from '../review/git.js';
import { makeTempDir, removeTempDir } from '../sandbox/temp-dirs.js';

/**
 * Review configuration (bulwark.toml, the topology, the prompts) read from the trusted base
 * revision, never from the pull request: `git show <base>:<path>` into a private temp dir, and
 * loaded from there. A PR that edits these files is reviewed with the base versions.
 */
export interface BaseConfig {
  config: BulwarkConfig;
  review: ReviewConfig;
  topology: Topology | null;
  /** Repository-relative paths of the files that configure the review (as found at the base). */
  configPaths: string[];
  /** SHA-256 hex of those files' contents (plus the Bulwark version): identifies "this configuration". */
  contentHash: string;
  /** Where it came from, for messages: "base revision 1a2b3c4d5e6f" or a file path. */
  origin: string;
  /** Where the trusted side of the configuration is: the base revision, the head revision (see `introduced`), or a file. */
  source: 'base' | 'head' | 'file';
  /**
   * The base revision has no Bulwark configuration and this change introduces it: the review ran
   * with the head's configuration, which nobody has approved yet, so the change needs approval.
   */
  introduced: boolean;
  cleanup(): void;
}

function baseConfig(
  config: BulwarkConfig,
  topology: Topology | null,
  files: string[],
  hash: Hash,
  where: { origin: string; source: BaseConfig['source']; introduced: boolean },
  cleanup: () => void,
): BaseConfig {
  return { config, review: config.review ?? defaultReviewConfig(), topology, configPaths: files, contentHash: hash.digest('hex'), ...where, cleanup };
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Prompt files named by a topology, relative to the topology's folder (unvalidated: the loader checks). */
function promptFilesOf(topologyText: string): string[] {
  try {
    const t = parseToml(topologyText) as { pipeline?: { stages?: { prompt_file?: unknown }[] } };
    return (t.pipeline?.stages ?? []).map((s) => s.prompt_file).filter((p): p is string => typeof p === 'string');
  } catch {
    return []; // the topology loader reports the syntax error with its line
  }
}

/**
 * `rev` is the trusted revision (the base). When it has no bulwark.toml and `headRev` has one, the
 * change introduces Bulwark: its configuration is read from `headRev` and marked `introduced`.
 */
export async function loadBaseConfig(opts: {
  repoDir: string;
  rev: string | null;
  headRev?: string | null;
  configFile?: string;
  version: string;
}): Promise<BaseConfig> {
  const hash = createHash('sha256').update('bulwark-config-v1\0').update(opts.version).update('\0');
  const files: string[] = [];
  if (opts.configFile || opts.rev === null) {
    // An explicit --config, or no base revision at all (a bare patch): the working tree is the
    // trusted side here (the fork-safe workflow checks out the base branch, never the PR).
    const config = loadBulwarkConfig(opts.configFile ?? opts.repoDir);
    const topology = config.topologyFile ? loadTopology(config.topologyFile) : null;
    const repoAbs = path.resolve(opts.repoDir);
    for (const f of [config.file, config.topologyFile, ...(topology?.stages.map((s) => s.promptFile) ?? [])]) {
      if (!f) continue;
      hash.update(f).update('\0');
      if (inside(repoAbs, f)) files.push(path.relative(repoAbs, f).split(path.sep).join('/'));
    }
    hash.update(JSON.stringify(config)).update('\0');
    if (topology) hash.update(JSON.stringify(topology.stages.map((s) => [s.name, s.prompt]))).update('\0');
    return baseConfig(
      config,
      topology,
      files,
      hash,
      { origin: opts.configFile ?? `working tree of ${opts.repoDir}`, source: 'file', introduced: false },
      () => {},
    );
  }

  let rev = opts.rev;
  let introduced = false;
  if (
    opts.headRev &&
    (await showFile(opts.repoDir, rev, CONFIG_FILE_NAME)) === null &&
    (await showFile(opts.repoDir, opts.headRev, CONFIG_FILE_NAME)) !== null
  ) {
    rev = opts.headRev;
    introduced = true;
    hash.update('introduced\0');
  }
  const short = (await gitText(opts.repoDir, ['rev-parse', '--short=12', rev]).catch(() => rev)) || rev;
  const tmp = makeTempDir(path.join(os.tmpdir(), 'bulwark-base-config-'));
  const cleanup = (): void => removeTempDir(tmp);
  try {
    const put = async (rel: string): Promise<string | null> => {
      const target = path.resolve(tmp, rel);
      if (!inside(tmp, target)) return null;
      const bytes = await showFile(opts.repoDir, rev, rel);
      if (bytes === null) return null;
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, bytes, { mode: 0o600 });
      files.push(rel);
      hash.update(rel).update('\0').update(bytes).update('\0');
      return bytes.toString('utf8');
    };
    const tomlText = await put(CONFIG_FILE_NAME);
    const label = `${short}:${CONFIG_FILE_NAME}`;
    const config = parseBulwarkConfig(tomlText ?? '', label, tmp);
    if (tomlText === null) config.file = null;
    let topology: Topology | null = null;
    if (config.topologyFile) {
      const topoRel = path.relative(tmp, config.topologyFile).split(path.sep).join('/');
      const topoText = await put(topoRel);
      if (topoText !== null) {
        const topoDir = path.posix.dirname(topoRel);
        for (const p of promptFilesOf(topoText)) await put(path.posix.normalize(path.posix.join(topoDir, p)));
      }
      // missing files surface here as the loader's one-line error naming base:path
      topology = loadTopology(config.topologyFile);
    }
    // The keys approvals of a flagged change are verified with come from the base too: the copy
    // in the temp folder, or none at all when the path leaves it or the base lacks the file (a
    // path resolved later against the temp folder must never reach a file someone else wrote).
    const signers = config.approvals?.allowed_signers;
    if (config.approvals && typeof signers === 'string' && !path.isAbsolute(signers)) {
      const rel = path.posix.normalize(signers.split(path.sep).join('/'));
      const copied = (await put(rel)) !== null;
      config.approvals = { ...config.approvals, allowed_signers: copied ? path.resolve(tmp, rel) : undefined };
    }
    const where = introduced
      ? { origin: `head revision ${short} (introduced by this change)`, source: 'head' as const, introduced }
      : { origin: `base revision ${short}`, source: 'base' as const, introduced };
    return baseConfig(config, topology, files, hash, where, cleanup);
  } catch (err) {
    cleanup();
    throw err;
  }
}
