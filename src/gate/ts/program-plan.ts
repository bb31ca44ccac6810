// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { blankedChars } from './outline.js';
import { planPrograms } from './program-groups.js';
import type { TsFileFacts } from './model.js';
import type { RetainedState } from './retained-state.js';
import type { VirtualRepository } from './virtual-repository.js';

const blankedCharsOf = (fact: TsFileFacts): number => blankedChars(fact.outline, fact.returning);

/**
 * Whether the files to analyse are split over several programs. Files without an outline are in
 * full in every program and walked in the first: JavaScript (its types come from bodies) and
 * files with no body to blank (already their own outline). When the JavaScript alone takes half
 * the budget, splitting would rebuild nearly the same program again and again: one program.
 * Likewise when outlines would save little: only bodies under a return type annotation are
 * blanked, so in a code base that seldom annotates them every program holds nearly every file
 * in full and splitting only repeats the parse, bind and checking of that shared part (three
 * programs of nearly the whole repository instead of one on an Angular/NestJS code base). An
 * explicit budget (tests) splits whatever the outlines save.
 */
function shouldSplit(repo: VirtualRepository, facts: Map<string, TsFileFacts>, budget: number, explicitBudget: boolean): boolean {
  const { all } = repo;
  const chars = (f: string): number => facts.get(f)!.chars;
  const alwaysFullChars = all.reduce((n, f) => n + (/\.[mc]?jsx?$/.test(f) ? chars(f) : 0), 0);
  const blankedChars = all.reduce((n, f) => n + blankedCharsOf(facts.get(f)!), 0);
  const sharedChars = all.reduce((n, f) => n + chars(f), 0) - blankedChars;
  return alwaysFullChars <= budget / 2 && (explicitBudget || sharedChars <= budget / 2 || blankedChars >= sharedChars);
}

/**
 * The files to walk grouped into programs (each group's files in full, the rest as outlines).
 * Unsplit, the parses made for the facts are handed to the one program; either way they are
 * released from `heldParses`.
 */
export function planProgramGroups(
  repo: VirtualRepository,
  facts: Map<string, TsFileFacts>,
  toWalk: string[],
  heldParses: Map<string, ts.SourceFile>,
  retained: RetainedState,
  budget: number,
  explicitBudget: boolean,
): string[][] {
  const hasOutline = (f: string): boolean => facts.get(f)!.outline.length > 0;
  const splitting = shouldSplit(repo, facts, budget, explicitBudget);
  if (!splitting) for (const [f, sf] of heldParses) if (!facts.get(f)!.error) retained.sourceFiles.set(`${f}\0${repo.hashes.get(f)}`, sf);
  heldParses.clear();
  const groups = splitting ? planPrograms(toWalk.filter(hasOutline), (f: string) => facts.get(f)!.chars, budget) : toWalk.length > 0 ? [toWalk] : [];
  const fullAnyway = splitting ? toWalk.filter((f) => !hasOutline(f)) : [];
  if (fullAnyway.length > 0) {
    if (groups.length === 0) groups.push(fullAnyway);
    else groups[0]!.unshift(...fullAnyway);
  }
  return groups;
}
