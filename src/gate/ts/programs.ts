// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { compilerOptions, VIRTUAL_ROOT } from './compiler.js';
import { memText } from './syntax.js';
import type { RepositoryHost } from './host.js';
import type { TsAnalysisStats, TsFileFacts } from './model.js';
import type { ProgramIndex } from './program-index.js';
import type { RetainedState } from './retained-state.js';
import type { VirtualRepository } from './virtual-repository.js';

/** What building and walking the programs of one analysis works with. */
export interface ProgramRunContext {
  repo: VirtualRepository;
  facts: Map<string, TsFileFacts>;
  host: RepositoryHost;
  index: ProgramIndex;
  retained: RetainedState;
  stats?: TsAnalysisStats;
  /** Walks one file of the current program (its edges recorded by the caller). */
  walkFile: (sf: ts.SourceFile, rel: string) => void;
}

/** Builds one program per group, in order, and walks the group's files with its checker. */
export function runPrograms(ctx: ProgramRunContext, groups: string[][]): void {
  const globalFiles = ctx.repo.all.filter((f) => ctx.facts.get(f)!.global);
  if (globalFiles.length > 0) ctx.retained.sawGlobalDeclarations = true;
  const plans = groups.map((roots) => ({ roots, files: programFiles(ctx, new Set(roots), globalFiles) }));
  // the texts of every file a program will parse, read together in one batch (those not read
  // yet: a resident gate's run, or a caller with lazily read sources), not those whose parse this
  // process kept from an earlier analysis
  const { repo, facts, retained } = ctx;
  const toParse = plans.flatMap(({ roots, files }) => {
    const full = new Set(roots);
    return files.filter((f) => {
      const outline = !full.has(f) && facts.get(f)!.outline.length > 0;
      return !retained.sourceFiles.has(`${f}\0${repo.hashes.get(f)}${outline ? '\0outline' : ''}`);
    });
  });
  repo.readTexts(toParse);
  // the last program that needs each file: a parse is kept until then, and after the last
  // program only what it used (head after base reuses those)
  const lastUse = new Map<string, number>();
  plans.forEach((p, i) => p.files.forEach((f) => lastUse.set(f, i)));
  for (const [i, plan] of plans.entries()) {
    runProgram(ctx, plan, `${i + 1}/${groups.length}`, groups.length > 1);
    retainForNextProgram(ctx, plan.roots, i === plans.length - 1 ? undefined : (f) => (lastUse.get(f) ?? -1) > i);
  }
  ctx.index.release();
}

function runProgram(ctx: ProgramRunContext, { roots, files }: { roots: string[]; files: string[] }, label: string, split: boolean): void {
  const { repo, facts, host, index, stats } = ctx;
  const tg = performance.now();
  const rootSet = new Set(roots);
  const lean = host.beginProgram(files, new Set(files.filter((f) => !rootSet.has(f) && facts.get(f)!.outline.length > 0)));
  const program = ts.createProgram({ rootNames: files, options: { ...compilerOptions, noResolve: true }, host: host.compilerHost });
  const programSource = index.load(program, facts);
  const tp = performance.now();
  const memP = process.env.BULWARK_GATE_TIMING ? process.memoryUsage() : undefined;
  for (const f of roots) ctx.walkFile(programSource.get(f)!, f.slice(VIRTUAL_ROOT.length));
  if (stats) {
    stats.tsPrograms = (stats.tsPrograms ?? 0) + 1;
    stats.tsProgramFiles = (stats.tsProgramFiles ?? 0) + roots.length;
    stats.tsProgramFilesInAll = (stats.tsProgramFilesInAll ?? 0) + files.length;
    if (lean) stats.tsLeanLibraryPrograms = (stats.tsLeanLibraryPrograms ?? 0) + 1;
  }
  // the peak stays within a few programs: dropped programs are collected before the next (or
  // head's) is built once their garbage is worth a full collection (see retained-state.ts)
  if (split) {
    ctx.retained.splitSinceRelease = true;
    index.release();
    ctx.retained.collectIfGrown();
  }
  if (process.env.BULWARK_GATE_TIMING) {
    process.stderr.write(
      `ts: program ${label} with ${roots.length} in full, ${files.length} of ${repo.all.length} files in all${lean ? ', lean library' : ''}, ${Math.round(tp - tg)} ms, edges ${Math.round(performance.now() - tp)} ms; heap/RSS ${memText(memP)} → ${memText(process.memoryUsage())} MiB\n`,
    );
  }
}

/**
 * The files a program needs to walk `roots` with the same results as a program of the whole
 * repository: the roots, every file declaring globals, and what they import, followed through
 * each file held as an outline only by the imports its outline needs (see outline-imports.ts).
 * A declaration outside that set is one no name in the program can reach. In repository order.
 */
function programFiles(ctx: ProgramRunContext, roots: Set<string>, globalFiles: readonly string[]): string[] {
  const { repo, facts, host } = ctx;
  const files = new Set<string>();
  const queue = [...roots, ...globalFiles];
  while (queue.length > 0) {
    const f = queue.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    const fact = facts.get(f)!;
    for (const spec of roots.has(f) ? fact.imports : fact.outlineImports) {
      const r = host.resolveSpec(spec, f);
      if (r !== undefined && !files.has(r)) queue.push(r);
    }
  }
  return repo.all.filter((f) => files.has(f));
}

/**
 * Kept for the next program of this process (the next group, or head after base): the ES
 * library, and the outlines and files without one that a later group needs (after the last
 * group: that the last program used). The group's files held in full are dropped, since most
 * of the memory of a program is theirs.
 */
function retainForNextProgram(ctx: ProgramRunContext, roots: string[], neededLater: ((file: string) => boolean) | undefined): void {
  const { repo, facts } = ctx;
  const fullRoots = new Set(roots.filter((f) => facts.get(f)!.outline.length > 0).map((f) => `${f}\0${repo.hashes.get(f)}`));
  const kept = neededLater ? new Map([...ctx.retained.sourceFiles, ...ctx.host.usedSourceFiles]) : new Map(ctx.host.usedSourceFiles);
  for (const k of kept.keys()) {
    const nul = k.indexOf('\0');
    const file = nul < 0 ? k : k.slice(0, nul);
    if (fullRoots.has(k) || (neededLater && file.startsWith(VIRTUAL_ROOT) && !neededLater(file))) kept.delete(k);
  }
  ctx.retained.sourceFiles = kept;
}
