/**
 * Diff-scoped mutant generation: the changed lines of the head revision (from the gate's diff
 * parser), the candidates each language walker finds on them inside functions, minus those
 * equivalent by construction and those that no longer parse. Pure apart from parsing.
 */
import type { FileChange } from '../gate/diff.js';
import type { Candidate } from './candidates.js';
import type { Mutant, MutationLanguage, MutationOperator } from './types.js';
import { treeSitterFileCandidates, treeSitterParses } from './walk-treesitter.js';
import { tsCandidates, tsParses } from './walk-ts.js';

export function languageOf(file: string): MutationLanguage | undefined {
  if (/\.py$/.test(file)) return 'python';
  if (/\.(ts|tsx|mts|cts)$/.test(file) && !/\.d\.[cm]?ts$/.test(file)) return 'ts';
  if (/\.(js|jsx|mjs|cjs)$/.test(file)) return 'js';
  if (/\.go$/.test(file)) return 'go';
  if (/\.java$/.test(file)) return 'java';
  return undefined;
}

/** Files the test suites live in: their changes are tests, not code under test. */
export function isTestFile(file: string): boolean {
  return /(^|\/)(tests?|__tests__|spec)\//.test(file) || /(^|\/)test_[^/]*\.py$|_test\.(py|go)$|\.(test|spec)\.[cm]?[jt]sx?$|Tests?\.java$/.test(file);
}

export function applyMutant(text: string, m: Pick<Mutant, 'start' | 'end' | 'replacement'>): string {
  return text.slice(0, m.start) + m.replacement + text.slice(m.end);
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastNl = -1;
  for (let i = 0; i < offset; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNl = i;
    }
  return { line, column: offset - lastNl };
}

export interface SourceFile {
  path: string;
  text: string;
  /** Changed lines of the head revision. */
  lines: number[];
}

export interface GenerateOptions {
  operators?: readonly MutationOperator[];
  maxMutants: number;
}

export interface Generated {
  mutants: Mutant[];
  nonCompiling: number;
  equivalent: number;
  overLimit: number;
}

/** The files of a diff that mutation testing covers: present in head, of a supported language, not tests. */
export function mutableFiles(changes: FileChange[]): { path: string; lines: number[] }[] {
  return changes
    .filter((c) => c.newPath !== null && !c.binary && c.newLines.length > 0 && languageOf(c.newPath) !== undefined && !isTestFile(c.newPath))
    .map((c) => ({ path: c.newPath!, lines: c.newLines }));
}

async function candidatesFor(lang: MutationLanguage, file: SourceFile): Promise<Candidate[]> {
  const lines = new Set(file.lines);
  if (lang === 'ts' || lang === 'js') return tsCandidates(file.path, file.text, lines);
  try {
    return await treeSitterFileCandidates(lang, file.text, lines);
  } catch {
    return []; // the gate reports files it cannot parse; there is nothing to mutate in them
  }
}

async function parses(lang: MutationLanguage, file: string, text: string): Promise<boolean> {
  if (lang === 'ts' || lang === 'js') return tsParses(file, text);
  return treeSitterParses(lang, text);
}

export async function generateMutants(files: SourceFile[], opts: GenerateOptions): Promise<Generated> {
  const allowed = opts.operators ? new Set(opts.operators) : undefined;
  const mutants: Mutant[] = [];
  let nonCompiling = 0;
  let equivalent = 0;
  let overLimit = 0;
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const lang = languageOf(file.path);
    if (!lang) continue;
    const seen = new Set<string>();
    const cands = (await candidatesFor(lang, file)).filter((c) => !allowed || allowed.has(c.operator)).sort((a, b) => a.start - b.start || a.end - b.end);
    for (const c of cands) {
      const mutated = applyMutant(file.text, c);
      // equivalent by construction: the edit changes nothing, or another mutant made the same file
      if (c.replacement === c.original || mutated === file.text || seen.has(mutated)) {
        equivalent++;
        continue;
      }
      seen.add(mutated);
      if (!(await parses(lang, file.path, mutated))) {
        nonCompiling++;
        continue;
      }
      if (mutants.length >= opts.maxMutants) {
        overLimit++;
        continue;
      }
      const { line, column } = position(file.text, c.start);
      mutants.push({
        id: `m${mutants.length + 1}`,
        file: file.path,
        language: lang,
        line,
        column,
        operator: c.operator,
        start: c.start,
        end: c.end,
        original: c.original,
        replacement: c.replacement,
        ...(c.function ? { function: c.function } : {}),
      });
    }
  }
  return { mutants, nonCompiling, equivalent, overLimit };
}
