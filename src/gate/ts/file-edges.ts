// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { FileWalker } from './file-walker.js';
import type { EdgePlan } from './edge-cache.js';
import type { RepositoryHost } from './host.js';
import type { TsAnalysisCache, TsAnalysisStats, TsFileEdges, TsFileFacts } from './model.js';
import type { ProgramIndex } from './program-index.js';
import type { RepositoryDefinitions } from './repository-definitions.js';
import type { VirtualRepository } from './virtual-repository.js';

/** What walking files for their edges works with. */
export interface FileEdgesContext {
  repo: VirtualRepository;
  /** Every file's syntax facts: an entry names the files it resolved through by their outline keys. */
  facts: Map<string, TsFileFacts>;
  definitions: RepositoryDefinitions;
  /** What a recorded dependency is keyed by beside its outline: what its imports resolve to. */
  host: RepositoryHost;
  index: ProgramIndex;
  plan: EdgePlan;
  cache?: TsAnalysisCache;
  stats?: TsAnalysisStats;
}

/** The edges of every analysable file: walked with the checker, or reused from the cache. */
export class FileEdgesCollector {
  private readonly walked = new Map<string, TsFileEdges>();

  constructor(private readonly ctx: FileEdgesContext) {}

  /** Walks one file of the current program and records (and caches) its edges. */
  readonly walkFile = (sf: ts.SourceFile, rel: string): void => {
    const { facts, definitions, host, index, plan, cache, stats } = this.ctx;
    if (stats) stats.tsFilesWalked++;
    let entry: TsFileEdges;
    try {
      entry = new FileWalker(index, definitions, sf).walk(plan.closures.get(sf.fileName), {
        outline: (f) => host.contextKey(f),
        returns: (f) => facts.get(f)!.returnsKey,
      });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      definitions.unparsable.push({ file: rel, reason: 'nesting too deep to analyse' });
      return;
    }
    this.walked.set(sf.fileName, entry);
    // every program sees every declaration (in full or as an outline), so this is what a cold run computes
    if (cache && plan.keys.has(sf.fileName)) cache.edges.set(plan.keys.get(sf.fileName)!, entry);
  };

  /** Every file's edges in file order whatever came from the cache, so path tie-breaks never depend on the cache state. */
  entries(): TsFileEdges[] {
    const { repo, plan } = this.ctx;
    return repo.all.map((f) => this.walked.get(f) ?? plan.cachedEdges.get(f)).filter((e): e is TsFileEdges => e !== undefined);
  }
}
