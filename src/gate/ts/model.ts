import type { ClassMembers, DeclarationNodes } from './node-index.js';
import type { OutlineRanges } from './outline.js';
import type { TsConfigSource } from './tsconfig-paths.js';
import type { Definition, DefinitionKind } from '../types.js';

/** The TypeScript/JavaScript part of a call graph (one run's base and head share it when their TypeScript is the same). */
export interface TsGraphPart {
  defs: Definition[];
  calls: Map<string, Set<string>>;
  /** The subset of `calls` resolved by name only (no type for the receiver). */
  nameOnly: Map<string, Set<string>>;
  reads: Map<string, Set<string>>;
  unparsable: { file: string; reason: string }[];
}

/** A definition of a file's facts: id, kind, first and last line (the file is the facts' own). */
export type FileDefinition = [id: string, kind: DefinitionKind, startLine: number, endLine: number];

/**
 * What one file yields without the checker (syntax only, so keyed by path and content): its
 * definitions, the module specifiers it imports/re-exports, or why it cannot be analysed.
 */
export interface TsFileFacts {
  /** As tuples: a repository's facts hold tens of thousands, and the file is the same for all of them. */
  defs: FileDefinition[];
  imports: string[];
  reexports: string[];
  /** Of `imports`, what the outline needs (see outline-imports.ts): a program follows only these from a file it holds as an outline. */
  outlineImports: string[];
  /**
   * The bodies an outline leaves out (see outline.ts): what the outline key and positions are
   * counted without. A program holding the file only as context blanks them, except `returning`.
   */
  outline: OutlineRanges;
  /**
   * Of `outline`, the bodies that may return a function (see outline.ts): a program holding the
   * file as context shows them, so a walk of another file reads what they return as it would with
   * the file in full; the returns key digests them.
   */
  returning: OutlineRanges;
  /**
   * Identifies what another file's analysis can take from this one: the text outside the bodies
   * an outline blanks, and the facts the walk reads of it (definitions and their kinds, what blanked
   * bodies invoke, properties holding functions, arities), positions left out. Files that import
   * it key their edges by this, not by its content: an edit inside an annotated body changes no
   * importer's edges (see edge-cache.ts).
   */
  outlineKey: string;
  /**
   * Identifies what the `returning` bodies return (the outline key is counted without them): an
   * entry that read a function's returns (a call of what it returns, a function stored from a
   * call) depends on this key of its file too (see edge-cache.ts).
   */
  returnsKey: string;
  /** Names of object-literal properties that hold a function by name: calls through them are resolved too. */
  props: string[];
  /** Declares names for every file: a script (no import/export, not CommonJS), or `declare global` / `declare module`. */
  global: boolean;
  /** The text's length (after a byte-order mark): what a plan sizes programs by, without reading the file. */
  chars: number;
  /** The text may name a declaration the lean library omits (see library-text.ts). */
  wholeLibrary: boolean;
  /** Not an ES module, and uses `this` outside every function (a class body's counts, to be safe): in a script that `this` is `globalThis` (see library-text.ts). */
  topLevelThis: boolean;
  /** Functions and methods of the file with the argument counts they accept: [id, min, max] (max -1: any). */
  arities: [string, number, number][];
  /** Functions and methods with an annotated body (one an outline may blank) that invoke parameters: [id, parameter positions, rest index or -1]. */
  invokes: [string, number[], number][];
  /** Declaration nodes by position, indexing every program's parse of the file (see node-index.ts). */
  nodes: DeclarationNodes;
  /** Classes and interfaces by position, with their members. */
  classMembers: ClassMembers;
  error?: string;
}

/**
 * The checker-resolved part of one file. Overrides of a called method and calls the checker could
 * not resolve (kept by name) are expanded over the whole repository when the graph is assembled,
 * so a class or function added elsewhere is reached without re-analysing this file. `also` lists
 * files outside the key's import closure that a resolution went through (declarations, receiver
 * types) with their outline keys: the entry is reused only while those are unchanged.
 */
export interface TsFileEdges {
  calls: [string, string[]][];
  reads: [string, string[]][];
  /** Calls resolved by name only: caller → `name/argc` (argc -1: not a call, or a spread argument). */
  byName: [string, string[]][];
  /** Functions stored into a table or a field: key → ids, joined with every file's `loads` when the graph is assembled (see stored-functions.ts). */
  stores: [string, string[]][];
  /** Calls through a table or a field: caller → keys. */
  loads: [string, string[]][];
  /**
   * Functions passed to a repository function's parameter: `<function id>#<index>` → ids, and the
   * elements of an array passed there: `<function id>#<index>[]` → ids. A store of that parameter
   * (`stores` value `param:<function id>#<index>`, `…[]` for its elements) stores them. A value may
   * also stand for what another place holds (`held:<key>`, an array's contents passed or spread).
   */
  passes: [string, string[]][];
  heritage: [string, string[]][];
  also: [string, string][];
  /** Names called or read as members that no repository function or method carried when this was computed. */
  pending: string[];
  /**
   * Names skipped because no repository definition or object-literal property carried them
   * (`knownNames`) when this was computed: a definition of any kind, a data field included, makes
   * the walk go on (a call through a field reaches what is stored into it).
   */
  unknown: string[];
}

export interface TsCacheLike<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
}
export interface TsAnalysisCache {
  facts: TsCacheLike<TsFileFacts>;
  edges: TsCacheLike<TsFileEdges>;
}

export interface TsAnalysisStats {
  tsFilesWalked: number;
  tsFilesReused: number;
  /** Files given in full to the programs built (each file to analyse is given in full once). */
  tsProgramFiles?: number;
  /** Programs built (more than one when the files to analyse exceed the program budget). */
  tsPrograms?: number;
  /** Files the programs held in all: in full, and as outlines for context (see programs.ts). */
  tsProgramFilesInAll?: number;
  /** Programs that held the lean library: none of their files may reach what it omits (see library-text.ts). */
  tsLeanLibraryPrograms?: number;
  /** Files of the sample a large cold analysis ran on first (see warm-up.ts); unset when it did not. */
  tsWarmUpFiles?: number;
  /** Imports the analysis resolved with the compiler, not from an earlier analysis's resolutions (same files, same aliases). */
  tsImportsResolved?: number;
  /** Repository files a program held as parsed by an earlier run of this long-lived process (see retained-state.ts). */
  tsParsesKept?: number;
}

export interface TsAnalysisOptions {
  /** Overrides {@link PROGRAM_BUDGET_CHARS} (tests force several programs on small repositories). */
  programBudgetChars?: number;
  /** tsconfig.json / jsconfig.json files of the revision: their `baseUrl` and `paths` resolve import aliases. */
  configs?: TsConfigSource[];
  /** False: no warm-up on a sample first, whatever the size (see warm-up.ts); tests use it for a baseline. */
  warmUp?: boolean;
}

/**
 * Characters of source given in full to one program. The files to analyse are split into groups
 * of about this size; each group's program holds them in full and every other repository file as
 * an outline (bodies the checker never needs blanked), so memory stays bounded on large
 * repositories while every declaration stays visible: results do not depend on the grouping.
 */
export const PROGRAM_BUDGET_CHARS = 400_000;

/** A stored value that is a function's parameter (`param:<function id>#<index>`): what callers pass there (`TsFileEdges.passes`). */
export const PARAMETER = 'param:';
/** A stored or passed value that is everything stored under another key (`held:entries:<place>`: the array spread or passed). */
export const HELD = 'held:';
/** Appended to `<function id>#<index>`: the elements of the array passed there rather than the argument itself. */
export const ELEMENTS = '[]';

/** Appended to a file in an entry's `also`: a dependency on the file's returns key (no path holds a NUL). */
const RETURNS = '\0returns';

/** How an entry's `also` names a dependency on a file's returns key. */
export const returnsDependency = (file: string): string => `${file}${RETURNS}`;

/** The file a recorded dependency names, and whether it is on the file's returns key. */
export function dependencyOf(d: string): { file: string; returns: boolean } {
  return d.endsWith(RETURNS) ? { file: d.slice(0, -RETURNS.length), returns: true } : { file: d, returns: false };
}
