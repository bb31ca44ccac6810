/**
 * Scores the gate's call graphs against hand-written expected graphs in PyCG's JSON format
 * (`{"caller": ["callee", ...]}`), the way PyCG's micro-benchmark is scored: edge precision and
 * recall over the union of the suite's cases.
 *
 * Layout: test/gate/suites/<language>/<category>/<case>/ holds the case's source files and
 * `callgraph.json`. The sources are data (never compiled by tsc).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildCallGraph, GraphCaches, toPycg } from '../../src/gate/graph.js';
import { readDirectorySources } from '../../src/gate/sources.js';
import type { GateLanguage } from '../../src/gate/types.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';

export const SUITES_DIR = path.join(packageRoot, 'test', 'gate', 'suites');

export interface CaseScore {
  language: string;
  category: string;
  name: string;
  expected: number;
  found: number;
  correct: number;
  missing: string[];
  extra: string[];
}

const LANGS: Record<string, GateLanguage[]> = { python: ['python'], ts: ['ts', 'js'], go: ['go'], java: ['java'] };

const edgesOf = (g: Record<string, string[]>): Set<string> => new Set(Object.entries(g).flatMap(([from, tos]) => tos.map((to) => `${from} -> ${to}`)));

export async function scoreCase(language: string, dir: string): Promise<Omit<CaseScore, 'language' | 'category' | 'name'>> {
  const expected = JSON.parse(readFileSync(path.join(dir, 'callgraph.json'), 'utf8')) as Record<string, string[]>;
  const graph = await buildCallGraph(readDirectorySources(dir, { languages: LANGS[language] }), new GraphCaches(undefined));
  const got = edgesOf(toPycg(graph));
  const want = edgesOf(expected);
  const correct = [...got].filter((e) => want.has(e));
  return {
    expected: want.size,
    found: got.size,
    correct: correct.length,
    missing: [...want].filter((e) => !got.has(e)),
    extra: [...got].filter((e) => !want.has(e)),
  };
}

/** Every case of a language's suite, by category. */
export async function scoreSuite(language: string): Promise<CaseScore[]> {
  const root = path.join(SUITES_DIR, language);
  if (!existsSync(root)) return [];
  const out: CaseScore[] = [];
  const dirs = (d: string): string[] =>
    readdirSync(d)
      .filter((n) => statSync(path.join(d, n)).isDirectory())
      .sort();
  for (const category of dirs(root)) {
    for (const name of dirs(path.join(root, category))) {
      const dir = path.join(root, category, name);
      if (!existsSync(path.join(dir, 'callgraph.json'))) continue;
      out.push({ language, category, name, ...(await scoreCase(language, dir)) });
    }
  }
  return out;
}

export function totals(scores: CaseScore[]): { precision: number; recall: number; expected: number; found: number; correct: number } {
  const expected = scores.reduce((a, s) => a + s.expected, 0);
  const found = scores.reduce((a, s) => a + s.found, 0);
  const correct = scores.reduce((a, s) => a + s.correct, 0);
  return { precision: found === 0 ? 0 : correct / found, recall: expected === 0 ? 0 : correct / expected, expected, found, correct };
}
