// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { collectGarbage } from './collect-garbage.js';

/** Module resolutions of one analysis, by the set of file paths they were made over. */
export interface RetainedResolution {
  pathsKey: string;
  /** One resolution cache per set of alias settings (keyed by the settings' key). */
  caches: Map<string, ts.ModuleResolutionCache>;
  /** `${from}\0${spec}` → the repository file it resolves to, null when none. */
  resolved: Map<string, string | null>;
}

const noResolution = (): RetainedResolution => ({ pathsKey: '', caches: new Map(), resolved: new Map() });

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
  /** Module resolutions of the latest analysis. */
  private resolution: RetainedResolution = noResolution();
  /** Whether an analysis was split into several programs since the last release. */
  splitSinceRelease = false;
  /** Heap in use after the last full collection between programs (0: none yet, so the first program's garbage is collected). */
  liveAfterCollection = 0;

  /**
   * The resolutions to use for a set of file paths: resolution depends only on which files exist
   * and on the alias settings (part of each cache's key), so head after base, with the same file
   * paths, reuses base's resolutions.
   */
  resolutionFor(pathsKey: string): RetainedResolution {
    if (pathsKey !== this.resolution.pathsKey) this.resolution = { pathsKey, caches: new Map(), resolved: new Map() };
    return this.resolution;
  }

  release(): void {
    this.sourceFiles = new Map();
    this.resolution = noResolution();
    // after an analysis large enough to be split, collected now, so what the caller does next
    // (writing the caches) reuses their memory instead of adding to it
    if (this.splitSinceRelease) {
      collectGarbage();
      this.liveAfterCollection = process.memoryUsage().heapUsed;
    }
    this.splitSinceRelease = false;
  }
}
