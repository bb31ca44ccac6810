/**
 * The review pipeline's library surface (the app's review and run call this).
 *
 *   const cfg = loadBulwarkConfig(repoDir);
 *   const topology = loadTopology(cfg.topologyFile!);
 *   const providers = await resolveProviders({ config: cfg.provider, configDir: cfg.dir });
 *   const result = await runPipeline({ topology, change, gate, audit, runId, providers, providerConfig: cfg.provider });
 *   // result.status 'failed' or result.noProvider → exit 5 (fail closed)
 */
export { runPipeline, type PipelineResult, type StageResult, type RunPipelineOptions, type PipelineProgress } from './run.js';
export { checkReadRoots, readRootsFor, type CheckedRoots, type RefusedRoot } from './read-roots.js';
export { runSchedule, type StageStatus, type StageOutcome, type ScheduledStage } from './scheduler.js';
export { findCycle, topologicalOrder, dependentsOf } from './dag.js';
export { buildChangeContext, renderFileDiff, MAX_CONTEXT_DIFF_CHARS } from './context.js';
export { stagePolicy, runStageInSandbox, STAGE_WORKER_SCRIPT } from './stage-runner.js';
export { createProgressReporter } from './progress.js';
export { loadTopology, parseTopology, TOOL_NAMES, type Topology, type StageSpec, type ToolName } from './topology.js';
export { resolveProviders, NO_PROVIDER_HELP, type ResolvedProviders, type ResolvedProvider } from '../llm/select.js';
