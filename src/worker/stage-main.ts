/**
 * Entry point of a stage worker. Runs inside the sandbox (started by the launcher through
 * startSandboxedWorker): no network, no keys, reads the checkout, writes only its scratch dir.
 * Everything it needs arrives as one validated `stage.run` request over fd 3; model calls and
 * git revisions go back to the parent over the same channel.
 */
import { connectToParent } from './channel.js';
import { runAgent } from './agent-loop.js';
import { completionResultSchema, GIT_SHOW, gitShowResultSchema, LLM_COMPLETE, STAGE_RUN, stageInputSchema, type StageOutput } from '../protocol/stage.js';
import { Tools } from './tools.js';

const parent = connectToParent();

parent.handle(STAGE_RUN, stageInputSchema, async (input): Promise<StageOutput> => {
  const tools = new Tools({
    repoRoot: input.repoRoot,
    readRoots: input.readRoots,
    gitShow: input.revisions ? async (rev, p) => gitShowResultSchema.parse(await parent.request(GIT_SHOW, { rev, path: p })) : undefined,
  });
  return runAgent(input, {
    tools,
    complete: async (req) => completionResultSchema.parse(await parent.request(LLM_COMPLETE, req)),
  });
});

// The parent closes the channel when the stage is over; then nothing keeps us alive.
void parent.closed.then(() => process.exit(0));
