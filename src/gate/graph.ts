import { createHash } from 'node:crypto';
import { ParseCache } from './cache.js';
import type { FileFacts } from './facts.js';
import { GraphBuilder } from './graph-builder.js';
import { extractGo } from './go/extract.js';
import { resolveGo } from './go/resolve.js';
import { extractJava } from './java/extract.js';
import { resolveJava } from './java/resolve.js';
import { ParseFailure } from './parse-failure.js';
import { extractPython } from './python/extract.js';
import { resolvePython } from './python/resolve.js';
import type { SourceFile } from './sources.js';
import { analyzeTypeScript, type TsGraphPart } from './ts/analyze.js';
import type { CallGraph, GateLanguage } from './types.js';

type CachedFacts = FileFacts | { error: string };

const extractors: Record<'python' | 'go' | 'java', (file: string, text: string) => Promise<FileFacts>> = {
  python: extractPython,
  go: extractGo,
  java: extractJava,
};

export interface BuildOptions {
  /** Directory for the parse cache; undefined disables caching. */
  cacheDir?: string;
}

/** Shared caches so a gate run building base and head graphs loads and saves each pack once. */
export class GraphCaches {
  readonly facts: ParseCache<CachedFacts>;
  readonly ts: ParseCache<TsGraphPart>;
  constructor(dir: string | undefined) {
    this.facts = new ParseCache<CachedFacts>(dir, 'facts');
    this.ts = new ParseCache<TsGraphPart>(dir, 'ts');
  }
  save(): void {
    this.facts.save();
    this.ts.save();
  }
}

/**
 * The call graph of one set of sources (a directory or one revision). Per-file facts of
 * Python/Go/Java are cached by content hash, so a warm run parses only files it has not seen;
 * the TS/JS part is cached by the hash of all TS/JS files (the checker's view is whole-program).
 */
export async function buildCallGraph(sources: SourceFile[], caches: GraphCaches = new GraphCaches(undefined)): Promise<CallGraph> {
  const g = new GraphBuilder();
  const byLang = new Map<GateLanguage, Map<string, FileFacts>>();
  const tsSources: SourceFile[] = [];
  for (const src of sources) {
    g.addFile(src.path, src.language, src.text);
    if (src.language === 'ts' || src.language === 'js') {
      tsSources.push(src);
      continue;
    }
    const key = `${src.hash}:${src.path}`;
    let facts = caches.facts.get(key);
    if (!facts) {
      try {
        facts = await extractors[src.language](src.path, src.text);
      } catch (err) {
        if (!(err instanceof ParseFailure)) throw err;
        facts = { error: err.message };
      }
      caches.facts.set(key, facts);
    }
    if ('error' in facts) {
      g.failed(src.path, facts.error);
      continue;
    }
    let m = byLang.get(src.language);
    if (!m) byLang.set(src.language, (m = new Map()));
    m.set(src.path, facts);
    registerDefs(g, src.path, facts);
  }
  const py = byLang.get('python');
  if (py) resolvePython(py, g);
  const go = byLang.get('go');
  if (go) resolveGo(go, g);
  const java = byLang.get('java');
  if (java) resolveJava(java, g);
  if (tsSources.length > 0) addTsPart(g, tsSources, caches);
  return g.finish();
}

function registerDefs(g: GraphBuilder, file: string, facts: FileFacts): void {
  const q = (local: string): string => (local ? (facts.module ? `${facts.module}.${local}` : local) : facts.module);
  for (const s of facts.scopes) g.addDef({ id: q(s.name), kind: s.kind, file, startLine: s.start, endLine: s.end });
  for (const b of facts.bindings) {
    const id = q(b.name);
    if (!g.hasDef(id)) g.addDef({ id, kind: 'binding', file, startLine: b.start, endLine: b.end });
    else if (g.kindOf(id) === 'binding') g.addDef({ id, kind: 'binding', file, startLine: b.start, endLine: b.end });
  }
}

function addTsPart(g: GraphBuilder, sources: SourceFile[], caches: GraphCaches): void {
  const h = createHash('sha256');
  for (const s of [...sources].sort((a, b) => (a.path < b.path ? -1 : 1))) h.update(`${s.path}\0${s.hash}\n`);
  const key = h.digest('hex');
  let part = caches.ts.get(key);
  if (!part) {
    part = analyzeTypeScript(sources);
    caches.ts.set(key, part);
  }
  for (const d of part.defs) g.addDef({ ...d });
  for (const [from, tos] of part.calls) for (const to of tos) g.call(from, to);
  for (const [from, tos] of part.reads) for (const to of tos) g.read(from, to);
  for (const u of part.unparsable) g.failed(u.file, u.reason);
}

/** PyCG's output: every function (and module) → the sorted names it calls. */
export function toPycg(graph: CallGraph): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const ids = [...graph.defs.values()].filter((d) => d.kind !== 'binding' && d.kind !== 'class').map((d) => d.id);
  for (const id of ids.sort()) out[id] = [...(graph.calls.get(id) ?? [])].filter((c) => graph.defs.get(c)?.kind !== 'binding').sort();
  return out;
}
