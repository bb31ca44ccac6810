/**
 * A topology stage of kind "mutation": runs beside model stages without a provider of its own,
 * records its mutation_run entry, and its structured result reaches the summary stage's context.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadBulwarkConfig } from '../../src/app/config.js';
import { mutationStageRunner } from '../../src/app/mutation-stage.js';
import { resolveProviders } from '../../src/llm/select.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { loadTopology } from '../../src/pipeline/topology.js';
import { acquireChange } from '../../src/review/acquire.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import { contextOf, scriptedReviewer } from '../helpers/fake-reviewer.js';
import { tempAudit, writeTopology } from '../pipeline/fixtures.js';
import { makeFixture } from './fixtures.js';

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const TOPOLOGY = `[[pipeline.stages]]
name = "mutation"
kind = "mutation"
timeout_seconds = 300

[[pipeline.stages]]
name = "summary"
prompt_file = "prompts/summary.md"
depends_on = ["mutation"]

[pipeline]
timeout_seconds = 600
`;

describe('topology stage kind = "mutation"', () => {
  it('runs in the pipeline, blocks on surviving rounding mutants, and hands its result to the summary stage', async () => {
    const fx = makeFixture('python', false, 'operators = ["rounding"]\n');
    const change = await acquireChange({ repoDir: fx.dir, base: 'HEAD~1', head: 'HEAD', env: {} });
    const topo = writeTopology(TOPOLOGY.replace(/\n\[pipeline\]\ntimeout_seconds = 600\n/, ''), ['summary']);
    cleanups.push(topo.cleanup);
    const seen: Record<string, unknown>[] = [];
    const server = await startFakeOpenAi({
      respond: scriptedReviewer({ readFirst: false, onRequest: (conv) => seen.push(contextOf(conv) as Record<string, unknown>) }),
      apiKey: 'sk-test',
    });
    cleanups.push(() => server.close());
    const audit = await tempAudit();
    cleanups.push(() => audit.cleanup());
    const providers = await resolveProviders({
      config: {},
      configDir: topo.dir,
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
      probeOllama: false,
    });
    const runner = mutationStageRunner({ change, config: loadBulwarkConfig(fx.dir), audit: audit.audit, runId: 'run-mut', denyPaths: [] });
    assert.ok(runner);
    const topology = { ...loadTopology(topo.file), timeoutSeconds: 600 };
    const result = await runPipeline({
      topology,
      change,
      audit: audit.audit,
      runId: 'run-mut',
      providers,
      providerConfig: { max_retries: 1, timeout_seconds: 10 },
      runMutationStage: runner,
    });
    assert.equal(result.status, 'ok', JSON.stringify(result.stages.map((s) => [s.name, s.status, s.reason])));
    const mut = result.stages.find((s) => s.name === 'mutation')!;
    assert.equal(mut.provider, undefined);
    assert.ok(mut.findings.some((f) => f.ruleId === 'mutation/rounding' && f.stage === 'mutation' && f.severity === 'high'));
    assert.ok(result.findings.some((f) => f.ruleId === 'mutation/rounding'));
    const summaryCtx = seen.find((c) => c.stage === 'summary') as
      { upstream?: Record<string, { result?: { kind: string; score: number; survivors: { operator: string }[] } }> } | undefined;
    assert.ok(summaryCtx, 'the summary stage made no model call');
    const structured = summaryCtx.upstream?.mutation?.result;
    assert.equal(structured?.kind, 'mutation');
    assert.equal(structured?.score, 0);
    assert.ok(structured?.survivors.some((s) => s.operator === 'rounding'));
    const entries = await audit.entries();
    const run = entries.find((e) => e.kind === 'mutation_run');
    assert.ok(run && run.kind === 'mutation_run' && run.stage === 'mutation' && run.survived >= 1);
  });

  it('a topology with a mutation stage needs no prompt_file there, and refuses one', async () => {
    const ok = writeTopology(TOPOLOGY, ['summary']);
    cleanups.push(ok.cleanup);
    assert.equal(loadTopology(ok.file).stages[0]!.kind, 'mutation');
    const bad = writeTopology(TOPOLOGY.replace('kind = "mutation"', 'kind = "mutation"\nprompt_file = "prompts/summary.md"'), ['summary']);
    cleanups.push(bad.cleanup);
    assert.throws(() => loadTopology(bad.file), /a mutation stage has no prompt_file/);
    const missing = writeTopology(TOPOLOGY.replace('kind = "mutation"\n', ''), ['summary']);
    cleanups.push(missing.cleanup);
    assert.throws(() => loadTopology(missing.file), /prompt_file is required/);
  });
});
