/**
 * `npm run demo`: the main job in one go. Makes a git repository from the demo payments code in a
 * temp dir, writes the `bulwark init` configuration plus a regulated zone, applies the prepared
 * change on a branch, and runs `bulwark review` on it; then shows the audit entries of the run
 * and verifies the log. With no provider configured, a local scripted model server stands in
 * (and says so): the pipeline, sandbox, gate and audit log are all real either way.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initRepository } from '../../src/app/init.js';
import { resolveProviders } from '../../src/llm/select.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';

// sources are not compiled: read them from the package, not from dist/
const demoSrc = path.join(packageRoot, 'examples', 'payments-demo');
const bin = path.join(packageRoot, 'bin', 'bulwark.js');

// init writes [gate] with these regulated roots; the demo adds a zone below it
const DEMO_ROOTS = ['*.process_payment', '*.update_balance'];
const GATE_CONFIG = `
# Changes touching this zone need a human too.
[[gate.zones]]
name = "payments-core"
path = "payments/**"
obligations = ["human-review", "pci-dss"]
`;

function say(text: string): void {
  process.stdout.write(`\n\x1b[1m▶ ${text}\x1b[0m\n`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 5));
  });
}

async function main(): Promise<number> {
  const work = mkdtempSync(path.join(tmpdir(), 'bulwark-demo-'));
  // the sandboxed stage workers run as an unprivileged uid and must be able to read the checkout
  chmodSync(work, 0o755);
  const repo = path.join(work, 'acme-payments');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // keep the demo's audit key and verifier state inside the temp dir
    XDG_CONFIG_HOME: path.join(work, 'config'),
    XDG_STATE_HOME: path.join(work, 'state'),
    XDG_CACHE_HOME: path.join(work, 'cache'),
  };
  const gitEnv = {
    ...env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Demo Dev',
    GIT_AUTHOR_EMAIL: 'dev@acme.test',
    GIT_COMMITTER_NAME: 'Demo Dev',
    GIT_COMMITTER_EMAIL: 'dev@acme.test',
  };
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, env: gitEnv, encoding: 'utf8' });
  let closeServer: (() => Promise<void>) | undefined;
  try {
    say(`Demo repository: ${repo}`);
    cpSync(path.join(demoSrc, 'repo'), repo, { recursive: true });
    git('init', '-q', '-b', 'main');
    const written = initRepository(repo, false, DEMO_ROOTS).files;
    appendFileSync(path.join(repo, 'bulwark.toml'), GATE_CONFIG);
    console.log(`bulwark init wrote: ${written.join(', ')} (+ a [gate] zone for payments/**)`);
    git('add', '-A');
    git('commit', '-q', '-m', 'acme-payments with Bulwark configuration');
    git('checkout', '-q', '-b', 'feature/discover-fees');
    cpSync(path.join(demoSrc, 'change'), repo, { recursive: true });
    git('commit', '-q', '-am', 'Support Discover cards and simplify the fee computation');
    console.log(git('diff', '--stat', 'main', 'HEAD').trimEnd());

    const providers = await resolveProviders({ config: {}, configDir: repo, env });
    if (providers.defaultName === null) {
      const { startFakeOpenAi } = await import('../../test/helpers/fake-openai.js');
      const { scriptedReviewer } = await import('../../test/helpers/fake-reviewer.js');
      const server = await startFakeOpenAi({ respond: scriptedReviewer(), latencyMs: 150 });
      closeServer = () => server.close();
      env.OPENAI_BASE_URL = server.url;
      env.OPENAI_API_KEY = 'demo-no-key';
      env.BULWARK_MODEL = 'scripted-demo-model';
      say(`demo model: scripted responses, no real LLM (a local OpenAI-compatible server at ${server.url}).`);
      console.log('Set ANTHROPIC_API_KEY or OPENAI_API_KEY (or run Ollama) to review with a real model.');
    } else {
      const p = providers.byName.get(providers.defaultName)!;
      say(`Model provider: ${providers.defaultName} (${p.source}), model ${p.defaultModel}`);
    }

    const auditDb = path.join(work, 'audit.db');
    say('bulwark review --base main --head feature/discover-fees');
    const reviewExit = await run(
      process.execPath,
      [bin, 'review', '--repo', repo, '--base', 'main', '--head', 'feature/discover-fees', '--audit-db', auditDb],
      env,
    );
    console.log(`\nbulwark review exit code: ${reviewExit} (0 pass · 1 blocking findings · 2 approval required · 3-5 errors)`);

    say('Audit log entries of this review (bulwark audit show)');
    await run(process.execPath, [bin, 'audit', 'show', '--audit-db', auditDb], env);
    say('Offline verification (bulwark audit verify)');
    // The review created this machine's signing key; an auditor is handed its public key out of band.
    const publicKey = path.join(work, 'config', 'bulwark', 'audit-key.pub');
    const verifyExit = await run(process.execPath, [bin, 'audit', 'verify', '--audit-db', auditDb, '--trusted-key', publicKey], env);

    console.log(
      `\nThe demo repository stays at ${repo} until the next reboot; try: node ${path.relative(process.cwd(), bin)} review --repo ${repo} --base main --head feature/discover-fees --audit-db ${auditDb}`,
    );
    // the demo worked when the review reached a decision and the log verifies
    return reviewExit <= 2 && verifyExit === 0 ? 0 : reviewExit > 2 ? reviewExit : verifyExit;
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  } finally {
    await closeServer?.();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(5);
  },
);
