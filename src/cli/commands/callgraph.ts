import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../domain/errors.js';
import { defaultCacheDir } from '../../gate/cache.js';
import { buildCallGraph, GraphCaches, toPycg } from '../../gate/graph.js';
import { readDirectorySources } from '../../gate/sources.js';
import type { CallGraph, GateLanguage } from '../../gate/types.js';
import { writeJson } from '../json-output.js';

const LANGS: GateLanguage[] = ['python', 'ts', 'js', 'go', 'java'];

/** The `json` format: every node with its location, plus calls and reads. */
export function toJsonGraph(g: CallGraph): unknown {
  const sorted = <T>(m: Map<string, Set<T>>): Record<string, T[]> =>
    Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v].sort()]));
  return {
    nodes: [...g.defs.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    calls: sorted(g.calls),
    nameOnly: sorted(g.nameOnly),
    reads: sorted(g.reads),
    unparsable: g.unparsable,
  };
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('callgraph')
    .description('print the call graph of a directory (PyCG JSON by default)')
    .argument('[dir]', 'directory to analyse', '.')
    .option('--lang <lang>', `only this language (${LANGS.join('|')}; comma-separated for several)`)
    .option('--format <format>', 'pycg | json', 'pycg')
    .option('--cache-dir <dir>', 'parse cache directory (default: $XDG_CACHE_HOME/bulwark/gate)')
    .option('--no-cache', 'do not read or write the parse cache')
    .action(async (dir: string, flags: { lang?: string; format: string; cacheDir?: string; cache: boolean }) => {
      const root = path.resolve(dir);
      if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`not a directory: ${dir}`);
      if (flags.format !== 'pycg' && flags.format !== 'json') throw new UsageError(`--format must be pycg or json, not "${flags.format}"`);
      let languages: GateLanguage[] | undefined;
      if (flags.lang !== undefined) {
        languages = flags.lang.split(',').map((l) => l.trim()) as GateLanguage[];
        const bad = languages.find((l) => !LANGS.includes(l));
        if (bad !== undefined) throw new UsageError(`--lang must be one of ${LANGS.join(', ')}, not "${bad}"`);
      }
      const caches = new GraphCaches(flags.cache === false ? undefined : (flags.cacheDir ?? defaultCacheDir()));
      const graph = await buildCallGraph(readDirectorySources(root, { languages }), caches);
      caches.save();
      const out = flags.format === 'pycg' ? toPycg(graph) : toJsonGraph(graph);
      await writeJson(process.stdout, out);
      for (const u of graph.unparsable) process.stderr.write(`bulwark: cannot parse ${u.file}: ${u.reason}\n`);
      setExit(0);
    });
}
