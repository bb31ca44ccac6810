// The signal layer on the labelled routing set (test/gate/routing-set.ts): routing recall (regulated
// changes sent to the classifier), the share of ordinary changes sent (cost), and the latency the
// classifier adds per routed change: a sandboxed worker through the real launcher and one call
// to a loopback OpenAI-compatible model, against the static and signal layers' own time.
import { applyClassifier } from '../../src/app/gate-classifier.js';
import { evaluateGateDetailed } from '../../src/gate/index.js';
import { resolveProviders } from '../../src/llm/select.js';
import { sha256Ref } from '../../src/llm/gateway.js';
import { startFakeOpenAi } from '../../test/helpers/fake-openai.js';
import { ROUTING_CASES, ROUTING_CONFIG, routingRepo } from '../../test/gate/routing-set.js';

const { repo, base, heads } = routingRepo();
const server = await startFakeOpenAi({
  respond: () => ({
    type: 'reply',
    toolCalls: [
      {
        name: 'submit_review',
        arguments: { summary_markdown: JSON.stringify({ regulated: true, confidence: 0.9, signals: ['x'], rationale: 'loopback' }), findings: [] },
      },
    ],
  }),
});
try {
  const providers = await resolveProviders({
    config: { default: 'openai', openai: { base_url: server.url } },
    configDir: repo.dir,
    env: {},
    probeOllama: false,
  });
  const audit = { append: () => Promise.resolve(undefined), putBlob: (d: string | Uint8Array) => Promise.resolve(sha256Ref(d)) };
  let regulated = 0;
  let recalled = 0;
  let ordinary = 0;
  let sent = 0;
  const staticMs: number[] = [];
  const addedMs: number[] = [];
  for (const c of ROUTING_CASES) {
    const t0 = performance.now();
    const d = await evaluateGateDetailed({ repoDir: repo.dir, base, head: heads.get(c.name)!, config: ROUTING_CONFIG, cacheDir: null });
    staticMs.push(performance.now() - t0);
    const routed = !d.result.flagged && d.result.signals!.routed;
    if (c.label === 'regulated') {
      regulated++;
      if (routed) recalled++;
    } else {
      ordinary++;
      if (routed) sent++;
    }
    if (!routed) continue;
    const t1 = performance.now();
    const r = await applyClassifier({ ...d, repoDir: repo.dir, providers, audit, runId: 'bench-routing', env: {} });
    addedMs.push(performance.now() - t1);
    if (r.classifier?.status !== 'ok') console.log(`  ${c.name}: classifier ${r.classifier?.status} ${r.classifier?.error ?? ''}`);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(`routing set: ${ROUTING_CASES.length} changes (${regulated} regulated the static gate does not flag, ${ordinary} ordinary)`);
  console.log(`routing recall: ${(recalled / regulated).toFixed(3)} (${recalled}/${regulated}; target 1.0)`);
  console.log(`ordinary changes routed: ${((100 * sent) / ordinary).toFixed(1)}% (${sent}/${ordinary}; target <= 20%)`);
  console.log(
    `latency: static + signals median ${median(staticMs).toFixed(0)} ms; classifier adds median ${median(addedMs).toFixed(0)} ms, mean ${mean(addedMs).toFixed(0)} ms per routed change (${addedMs.length} routed; loopback model answering at once)`,
  );
  console.log(
    `added latency over the whole set: ${((100 * addedMs.reduce((a, b) => a + b, 0)) / staticMs.reduce((a, b) => a + b, 0)).toFixed(0)}% of the static layers' time`,
  );
} finally {
  await server.close();
  repo.cleanup();
}
