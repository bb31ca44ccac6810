// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { collectGarbage } from '../collect-garbage.js';
import { keepsStateAcrossRuns } from '../long-lived.js';
import { VIRTUAL_ROOT } from './compiler.js';
import { ModuleResolutions } from './module-resolutions.js';

const noResolution = (): ModuleResolutions => new ModuleResolutions(new Set(), '');

/**
 * Heap growth since the last full collection that makes the next one worth its cost: about two
 * and a half programs of the default budget (one measured ~40 MiB). A forced collection is atomic
 * and marks the whole live heap (outlines, library, caches), where V8's own runs concurrently
 * with the analysis; at 100 kLOC a 64 MiB margin cost about 5 % more CPU cold than this one, and
 * 128 MiB no less CPU than this but 20 MB more peak. The margin is a fixed size, so the peak grows
 * with the repository no faster than the programs do.
 */
const COLLECT_AFTER_BYTES = 96 * 1024 * 1024;

/**
 * What one analysis leaves for the next in the same process (head after base, the next group):
 * parsed files and module resolutions. Released by the caller after a gate run.
 */
export class RetainedState {
  /**
   * Parsed files shared between the base and head programs of one run (unchanged files parse
   * and bind once); entries not used by the latest program are dropped.
   */
  sourceFiles = new Map<string, ts.SourceFile>();
  /**
   * The text each repository file was parsed from, this run or before (an outline's is the whole
   * file's text, not the blanked one it parsed).
   */
  readonly parsedFrom = new WeakMap<ts.SourceFile, string>();
  /**
   * Repository files a long-lived process parsed in an earlier run, as the last program held them
   * (outlines and other files given for context), each with the text it was parsed from: taken
   * only when this run's text of the file is that one (see host.ts), as a run's kept texts are
   * checked against git.
   */
  earlierRuns = new Map<string, { sf: ts.SourceFile; text: string }>();
  /** Module resolutions of the latest analysis. */
  private resolution: ModuleResolutions = noResolution();
  /** Whether an analysis was split into several programs since the last release. */
  splitSinceRelease = false;
  /**
   * Whether a program since the last release held a file that declares global names. Such a
   * declaration merges into the library's own (an interface, a namespace such as `Intl`), and
   * where the two conflict the checker may point a library symbol's parent at a symbol of its
   * own: kept longer than the run that did it, that would reach later runs' checkers. So after
   * such a run the library is dropped as before.
   */
  sawGlobalDeclarations = false;
  /** Heap in use after the last full collection (0: none since the last release, so the margin counts from an empty heap). */
  private liveAfterCollection = 0;

  /**
   * The resolutions to use for a set of file paths: resolution depends only on which files exist
   * and on the alias settings (part of each key), so head after base, over the same files, reuses
   * base's, and over a few files more or fewer, those of base's the difference leaves standing
   * (module-resolutions.ts).
   */
  resolutionFor(paths: ReadonlySet<string>, pathsKey: string): ModuleResolutions {
    this.resolution = this.resolution.over(paths, pathsKey);
    return this.resolution;
  }

  /**
   * Runs an analysis that must not disturb what is kept for the next one (the warm-up between
   * base and head): afterwards the parses and resolutions are those from before, plus the
   * library parses it made.
   */
  aside(analyse: () => void): void {
    const { sourceFiles, resolution } = this;
    // on a copy: an analysis also writes into the map it finds (a single program's parses)
    this.sourceFiles = new Map(sourceFiles);
    try {
      analyse();
    } finally {
      for (const [k, sf] of this.sourceFiles) if (!k.startsWith(VIRTUAL_ROOT) && !sourceFiles.has(k)) sourceFiles.set(k, sf);
      this.sourceFiles = sourceFiles;
      this.resolution = resolution;
    }
  }

  /** Collects garbage when the heap has grown by the margin since the last collection; whether it did. */
  collectIfGrown(): boolean {
    if (process.memoryUsage().heapUsed - this.liveAfterCollection <= COLLECT_AFTER_BYTES) return false;
    collectGarbage();
    this.liveAfterCollection = process.memoryUsage().heapUsed;
    return true;
  }

  /**
   * Ends a run. `keepForNextRun` false: the run is being made again from nothing kept (a text it
   * took was not git's), so no repository parse of it is kept either.
   */
  release(keepForNextRun = true): void {
    // a process that runs the gate again and again keeps the resolutions too: they depend only on
    // which files exist and on the alias settings (each entry's key), so the next run, over the
    // same files, reuses them as head reuses base's (a real repository's imports of packages it
    // does not hold take a third of a second and more to resolve at every run)
    this.resolution = keepsStateAcrossRuns() ? this.resolution.forNextRun(VIRTUAL_ROOT) : noResolution();
    const library = new Map<string, ts.SourceFile>();
    // in a process that runs the gate again and again the library's parses outlive a release, or
    // each run after an edit would parse and bind the same files anew: programs share a parsed,
    // bound file as the compiler's language service does (a checker copies a symbol before merging
    // into it), as base and head share it within one run
    if (keepsStateAcrossRuns() && !this.sawGlobalDeclarations) for (const [k, sf] of this.sourceFiles) if (!k.startsWith(VIRTUAL_ROOT)) library.set(k, sf);
    // and so do the repository files the last program held for context, which a run after an edit
    // mostly holds again (hundreds of outlines in a real repository): each is taken again only
    // if the run's text of its file is the one it was parsed from. Those declaring global names
    // never are (host.ts records no text for them): merging a global declaration, or a module
    // augmentation (`declare module 'chart.js'`), a checker sets the parent of the declaring
    // file's symbols (and of the library's) to symbols of its own; a module file's symbols are
    // only ever the target of a merge, which copies them first (the original gets a merge number,
    // which every checker looks up in a table of its own). So, unlike the library, the others
    // are kept in a repository that has such files, as most real ones do. Not after an analysis
    // split into programs (a cold one of a large repository): its last group's context is not what
    // a run after an edit holds, and would only raise the peak
    const earlier = new Map<string, { sf: ts.SourceFile; text: string }>();
    if (keepForNextRun && keepsStateAcrossRuns() && !this.splitSinceRelease)
      for (const [k, sf] of this.sourceFiles) {
        const text = k.startsWith(VIRTUAL_ROOT) ? this.parsedFrom.get(sf) : undefined;
        if (text !== undefined) earlier.set(k, { sf, text });
      }
    this.earlierRuns = earlier;
    this.sawGlobalDeclarations = false;
    this.sourceFiles = library;
    // after an analysis large enough to be split, its programs' garbage is collected now if it is
    // worth it, so what the caller does next (writing the caches) reuses that memory
    const collected = this.splitSinceRelease && this.collectIfGrown();
    this.splitSinceRelease = false;
    // otherwise what was live at the last collection is mostly released now: the next analysis
    // in this process counts its margin as a fresh one does
    if (!collected) this.liveAfterCollection = 0;
  }
}
