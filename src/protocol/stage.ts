import { z } from 'zod';
import { TOOL_NAMES } from './tool-names.js';
import { findingSchema } from './findings.js';
import { completionRequestSchema, completionResultSchema } from './completion.js';

/**
 * Messages between the orchestrator and a stage worker. Both sides validate: the parent treats
 * the worker as the adversary, the worker treats nothing it did not validate as trusted input.
 *
 * Parent → worker: `stage.run` (StageInput) → StageOutput.
 * Worker → parent: `llm.complete` (CompletionRequest) → CompletionResult;
 *                  `git.show` ({ rev, path }) → { found, content, truncated }.
 */

export const STAGE_RUN = 'stage.run';
export const LLM_COMPLETE = 'llm.complete';
export const GIT_SHOW = 'git.show';

export const stageInputSchema = z.strictObject({
  stage: z.string().min(1).max(128),
  /** The stage's prompt (trusted: read from the topology's folder). */
  prompt: z.string().min(1).max(1_000_000),
  tools: z.array(z.enum(TOOL_NAMES)),
  maxTurns: z.number().int().min(1).max(100),
  /** Repository checkout the file tools read, or null when the change has none (patch input). */
  repoRoot: z.string().nullable(),
  /** Absolute folders inside repoRoot the tools may read (zones + shared paths, or the whole checkout). */
  readRoots: z.array(z.string()).max(1024),
  /** Whether the parent can serve git.show (it knows base and head revisions). */
  revisions: z.boolean(),
  /**
   * The review context as structured data: change (PR-derived text fenced as untrusted and
   * secret-redacted by the parent), gate result, and the outputs of upstream stages.
   */
  context: z.record(z.string(), z.unknown()),
});
export type StageInput = z.infer<typeof stageInputSchema>;

export const stageOutputSchema = z.strictObject({
  markdown: z.string().max(200_000),
  findings: z.array(findingSchema).max(500),
  turns: z.number().int().nonnegative(),
});
export type StageOutput = z.infer<typeof stageOutputSchema>;

export const gitShowParamsSchema = z.strictObject({
  rev: z.enum(['base', 'head']),
  path: z.string().min(1).max(4096),
});
export const gitShowResultSchema = z.strictObject({
  found: z.boolean(),
  content: z.string(),
  truncated: z.boolean(),
});
export type GitShowResult = z.infer<typeof gitShowResultSchema>;

export { completionRequestSchema, completionResultSchema };
