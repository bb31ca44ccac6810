import picomatch from 'picomatch';
import { UsageError } from '../domain/errors.js';
import { buildCallGraph, DEFAULT_ROOTS, GraphCaches, readDirectorySources, readRevisionSources } from '../gate/index.js';
import { suggestRoots, type RootSuggestion } from '../gate/suggest-roots.js';
import { workTreeTop } from '../review/git.js';
import { loadBulwarkConfig, CONFIG_FILE_NAME } from './config.js';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export type { RootSuggestion } from '../gate/suggest-roots.js';

export interface RootsReport {
  /** The revision read, or `working tree`. */
  source: string;
  /** The configured roots (defaults when none) and how many definitions each names. */
  configured: { root: string; matches: number }[];
  suggestions: RootSuggestion[];
}

/**
 * `bulwark gate roots [--suggest]`: what the configured roots match at a revision (or the working
 * tree), and with `suggest` candidate roots found from the code, each with why.
 */
export async function rootsReport(opts: { repo: string; rev?: string; workingTree?: boolean; suggest: boolean; configFile?: string }): Promise<RootsReport> {
  const repo = workTreeTop(opts.repo);
  let sources;
  let source: string;
  if (opts.workingTree) {
    sources = readDirectorySources(repo);
    source = 'working tree';
  } else {
    const rev = opts.rev ?? 'HEAD';
    const r = spawnSync('git', ['-C', repo, 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new UsageError(`unknown revision: ${rev}`);
    source = r.stdout.trim();
    sources = readRevisionSources(repo, source);
  }
  const graph = await buildCallGraph(sources, new GraphCaches(undefined));
  const file = opts.configFile ?? path.join(repo, CONFIG_FILE_NAME);
  const config = existsSync(file) ? loadBulwarkConfig(file) : undefined;
  const roots = config?.gate?.roots ?? DEFAULT_ROOTS;
  const configured = roots.map((root) => {
    const m = picomatch(root, { dot: true });
    let matches = 0;
    for (const d of graph.defs.values()) if ((d.kind === 'function' || d.kind === 'method' || d.kind === 'class') && m(d.id)) matches++;
    return { root, matches };
  });
  return { source, configured, suggestions: opts.suggest ? suggestRoots(graph) : [] };
}

/** The text form: configured roots with their match counts, then each suggestion with why. */
export function renderRootsReport(r: RootsReport): string {
  const out: string[] = [];
  const none = r.configured.every((c) => c.matches === 0);
  out.push(`configured roots (${r.source.length === 40 ? r.source.slice(0, 12) : r.source}):`);
  for (const c of r.configured) out.push(`  ${c.root}: ${c.matches} definition(s)`);
  if (none) out.push('WARNING: no configured root matches any definition: the gate sees no call paths to regulated code');
  if (r.suggestions.length > 0) {
    out.push(`suggested roots (${r.suggestions.length}; add the ones that are regulated to [gate] roots):`);
    for (const s of r.suggestions) out.push(`  ${s.root}  (${s.language}; ${s.why})`);
  }
  return out.join('\n') + '\n';
}
