import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { parse as parseToml } from 'smol-toml';
import type { z } from 'zod';
import { buildFullProgram } from '../../src/cli/main.js';
import { bulwarkConfigSchema } from '../../src/app/config.js';
import { schemaKeys } from '../../src/domain/schema-keys.js';
import { topologySchema } from '../../src/pipeline/topology.js';
import { ExitCode } from '../../src/domain/errors.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import {
  checkCommandsTable,
  checkConfigReference,
  checkEnvTable,
  checkExitCodes,
  checkLinks,
  checkQuickStartScripts,
  checkRepoPaths,
  checkShellExamples,
  checkTomlExamples,
  headingAnchors,
  linkedFiles,
  section,
  tableRows,
  type CommandInfo,
  type Page,
} from './readme-checks.js';

// The manual is README.md (quick start, adoption path, exit codes) plus one page per subsystem in
// docs/. The checks below hold for the manual as a whole: a key, command, flag or variable must be
// documented somewhere in it, in the one place the reference for it lives.
const readme = readFileSync(path.join(packageRoot, 'README.md'), 'utf8');
const docPages: Page[] = readdirSync(path.join(packageRoot, 'docs'))
  .filter((n) => n.endsWith('.md'))
  .sort()
  .map((n) => ({ path: `docs/${n}`, text: readFileSync(path.join(packageRoot, 'docs', n), 'utf8') }));
const pages: Page[] = [{ path: 'README.md', text: readme }, ...docPages];
const manual = pages.map((p) => p.text).join('\n');
const page = (p: string): string => {
  const found = pages.find((x) => x.path === p);
  assert.ok(found, `${p} is missing from the manual`);
  return found.text;
};
/** Problems of `check` on every page, each prefixed with the page's path. */
const perPage = (check: (p: Page) => string[]): string[] => pages.flatMap((p) => check(p).map((problem) => `${p.path}: ${problem}`));

/** The subsystem pages; the README and docs/index.md link to every one of them. */
const SUBSYSTEM_PAGES = [
  'docs/sandbox.md',
  'docs/audit.md',
  'docs/pipeline-and-providers.md',
  'docs/review-and-publishing.md',
  'docs/gate.md',
  'docs/approvals-and-evidence.md',
  'docs/configuration.md',
  'docs/for-auditors.md',
  'docs/performance.md',
];
/** Written on another branch: linked from the README and the index, checked like any page once it exists. */
const WRITTEN_ELSEWHERE = new Set(['docs/architecture.md']);
const README_MAX_LINES = 300;
const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

const configKeys = [...schemaKeys(bulwarkConfigSchema), ...schemaKeys(topologySchema)];

/** Every command of the real program, depth first, with its flags (commander's implicit help left out). */
async function programCommands(): Promise<CommandInfo[]> {
  const out: CommandInfo[] = [];
  const walk = (cmd: Command, prefix: string[]): void => {
    for (const sub of cmd.commands) {
      if (sub.name() === 'help') continue;
      const p = [...prefix, sub.name()];
      const opts = sub.options.filter((o) => (o.long ?? o.short) !== undefined && o.long !== '--help');
      const name = (o: (typeof opts)[number]): string => (o.long ?? o.short)!;
      out.push({ path: p, flags: opts.map(name), shownFlags: opts.filter((o) => !o.hidden).map(name) });
      walk(sub, p);
    }
  };
  walk(await buildFullProgram(() => {}), []);
  return out;
}
const commands = await programCommands();

/** Names of environment variables src/ reads (`process.env.X`, `env.X`, `env['X']`, and default key variables). */
function envVarsReadBySource(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts')) {
        const text = readFileSync(full, 'utf8');
        for (const m of text.matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]+)/g)) names.add(m[1]!);
        // api_key_env defaults are passed as strings to the key lookup
        for (const m of text.matchAll(/\bkey\([^,]+,\s*'([A-Z][A-Z0-9_]+)'\)/g)) names.add(m[1]!);
      }
    }
  };
  walk(path.join(packageRoot, 'src'));
  // Generic process plumbing, not Bulwark settings.
  for (const n of ['PATH', 'TERM']) names.delete(n);
  return names;
}

describe('manual: configuration reference', () => {
  const ref = section(page('docs/configuration.md'), 'config-reference');

  it('lives in docs/configuration.md and nowhere else in the manual', () => {
    assert.equal(section(manual, 'config-reference'), ref);
  });

  it('the schemas expose the keys the reference is checked against', () => {
    // guards schemaKeys itself: a walker that lost nested tables would make the check vacuous
    for (const k of [
      'topology',
      'review.fail_on',
      'review.github.api_url',
      'gate.zones[].path',
      'sandbox.limits.cpu_seconds',
      'pipeline.stages[].depends_on',
    ]) {
      assert.ok(configKeys.includes(k), `schemaKeys lost ${k}`);
    }
  });

  it('has one row for every key of bulwark.toml and the topology file, and none for keys that do not exist', () => {
    assert.deepEqual(checkConfigReference(ref, configKeys), []);
  });

  it('every row states a type, a default and a meaning', () => {
    const envAt = ref.indexOf('## Environment variables');
    assert.ok(envAt > 0, 'the reference lost its environment table');
    const empty = tableRows(ref.slice(0, envAt))
      .filter((r) => configKeys.includes(/^`([^`]+)`$/.exec(r[0] ?? '')?.[1] ?? ''))
      .filter((r) => r.length < 4 || r.slice(1, 4).some((c) => c === ''))
      .map((r) => r[0]);
    assert.deepEqual(empty, []);
  });

  it('names every environment variable the code reads', () => {
    const names = envVarsReadBySource();
    for (const n of ['BULWARK_AUDIT_DB', 'ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'GITHUB_TOKEN', 'GITHUB_EVENT_PATH', 'NO_COLOR']) {
      assert.ok(names.has(n), `the source scan no longer finds ${n}: fix envVarsReadBySource`);
    }
    assert.deepEqual(checkEnvTable(ref, names), []);
  });

  it('fails for a drifted reference: a missing key, a stale key, a duplicate row', () => {
    // only the problems the edit adds, so this holds while the real reference is mid-update too
    const known = new Set(checkConfigReference(ref, configKeys));
    const added = (text: string): string[] => checkConfigReference(text, configKeys).filter((p) => !known.has(p));
    const withoutFailOn = ref.replace(/^\| `review\.fail_on` \|.*\n/m, '');
    assert.notEqual(withoutFailOn, ref);
    assert.deepEqual(added(withoutFailOn), ['config key `review.fail_on` has no row in the configuration reference']);
    const stale = ref.replace(/^(\| `review\.fail_on` \|.*\n)/m, '$1| `review.fail_hard` | boolean | false | gone |\n');
    assert.notEqual(stale, ref);
    assert.deepEqual(added(stale), ['configuration reference documents `review.fail_hard`, which no schema accepts']);
    const twice = ref.replace(/^(\| `gate\.roots` \|.*\n)/m, '$1$1');
    assert.deepEqual(added(twice), ['configuration reference has 2 rows for `gate.roots`']);
    // a key mentioned in prose only is not a row
    const prose = withoutFailOn + '\nSee `review.fail_on`.\n';
    assert.equal(added(prose).length, 1);
    assert.deepEqual(checkEnvTable(ref, ['BULWARK_NEW_SETTING']), [
      'environment variable BULWARK_NEW_SETTING is read by the code but not in the environment table',
    ]);
  });
});

describe('manual: commands table', () => {
  const cmds = section(page('docs/index.md'), 'commands');

  it('lives in docs/index.md and nowhere else in the manual', () => {
    assert.equal(section(manual, 'commands'), cmds);
  });

  it('the walk of the real program finds every command and subcommand', () => {
    const names = commands.map((c) => c.path.join(' '));
    for (const n of [
      'review',
      'run',
      'init',
      'gate',
      'gate status',
      'callgraph',
      'sandbox exec',
      'sandbox doctor',
      'sandbox policy',
      'audit keygen',
      'audit verify',
      'audit checkpoint',
      'audit proof',
      'audit record deploy',
      'audit show',
      'audit export',
      'audit retain',
      'audit pg-init',
      'approve',
      'incident report',
      'trailers',
    ]) {
      assert.ok(names.includes(n), `buildProgram has no "${n}"`);
    }
  });

  it('has a row for every command and subcommand, listing exactly its flags', () => {
    assert.deepEqual(checkCommandsTable(cmds, commands), []);
  });

  it('fails for a drifted table: a missing command, a renamed flag, an unknown command', () => {
    const known = new Set(checkCommandsTable(cmds, commands));
    const added = (text: string, cs: readonly CommandInfo[] = commands): string[] => checkCommandsTable(text, cs).filter((p) => !known.has(p));
    const noTrailers = cmds.replace(/^\| `bulwark trailers` \|.*\n/m, '');
    assert.deepEqual(added(noTrailers), ['command `bulwark trailers` has no row in the commands table']);
    const renamed = cmds.replace('`--hot-days` (90)', '`--hot-day` (90)');
    assert.deepEqual(added(renamed), [
      'commands table lists --hot-day for `bulwark audit retain`, which has no such flag',
      '`bulwark audit retain` flag --hot-days is missing from the commands table',
    ]);
    const ghost = cmds + '\n| `bulwark audit rewrite` | never | `--all` | — |\n';
    assert.deepEqual(added(ghost), ['commands table names `bulwark audit rewrite`, which is not a command']);
    const withFakeFlag = commands.map((c) =>
      c.path.join(' ') === 'init' ? { ...c, flags: [...c.flags, '--template'], shownFlags: [...c.shownFlags, '--template'] } : c,
    );
    assert.deepEqual(added(cmds, withFakeFlag), ['`bulwark init` flag --template is missing from the commands table']);
  });
});

describe('manual: shell examples', () => {
  it('every `bulwark …` line in a shell block of any page names a real command with flags it accepts', () => {
    assert.ok(pages.filter((p) => /(?:^|\s)bulwark \w/m.test(p.text)).length >= 8, 'the pages lost their command examples');
    assert.deepEqual(
      perPage((p) => checkShellExamples(p.text, commands)),
      [],
    );
  });

  it('fails for an unknown command or flag', () => {
    const md = '```sh\nbulwark audit verify --db x --frobnicate   # --not-this\nnpx bulwark deploy --now\nbulwark sandbox exec --read /usr -- ls --all\n```\n';
    assert.deepEqual(checkShellExamples(md, commands), [
      'shell example `bulwark audit verify` uses --frobnicate, which it does not accept',
      'shell example names an unknown command: bulwark deploy',
    ]);
  });
});

/** A TOML example is a topology when it has [pipeline], else a bulwark.toml; both schemas are strict. */
function validateTomlExample(text: string): string | undefined {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    return `invalid TOML: ${(err as Error).message.split('\n')[0]}`;
  }
  const schema: z.ZodType = raw !== null && typeof raw === 'object' && 'pipeline' in raw ? topologySchema : bulwarkConfigSchema;
  const res = schema.safeParse(raw);
  return res.success ? undefined : res.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
}

describe('manual: TOML examples', () => {
  it('every ```toml block of every page is a valid bulwark.toml or topology', () => {
    assert.ok((manual.match(/^```toml$/gm) ?? []).length >= 3, 'the manual lost its TOML examples');
    assert.deepEqual(
      pages.flatMap((p) => checkTomlExamples(p.text, validateTomlExample, p.path)),
      [],
    );
  });

  it('fails for an example with a misspelled or out-of-range key', () => {
    const md = '```toml\n[review]\nfail_onn = "high"\n```\n\n```toml\n[[pipeline.stages]]\nname = "a"\nprompt_file = "p.md"\nmax_turns = 0\n```\n';
    const problems = checkTomlExamples(md, validateTomlExample, 'docs/x.md');
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^toml example starting "\[review\]" \(docs\/x\.md line 2\): review: .*fail_onn/);
    assert.match(problems[1]!, /docs\/x\.md line 7\): pipeline\.stages\.0\.max_turns: /);
  });
});

describe('README: quick start, exit codes, length', () => {
  it('the exit-code table and ExitCode in src/errors.ts agree', () => {
    assert.deepEqual(checkExitCodes(readme, ExitCode), []);
  });

  it('fails when a code is missing or invented', () => {
    const drifted = readme.replace(/^\| 4 \|.*\n/m, '| 9 | cosmic rays |\n');
    assert.deepEqual(checkExitCodes(drifted, ExitCode), [
      "exit code 4 is not in the README's exit-code table",
      "README's exit-code table lists 9, which ExitCode does not define",
    ]);
  });

  it('the quick start has the two commands for a fresh machine, and package.json defines their scripts', () => {
    assert.match(readme, /^npm ci && npm run demo\b/m);
    assert.match(readme, /^npm ci && npm test\b/m);
    assert.deepEqual(checkQuickStartScripts(readme, pkg.scripts), []);
    const { demo: _demo, ...withoutDemo } = pkg.scripts;
    assert.deepEqual(checkQuickStartScripts(readme, withoutDemo), ['quick start runs npm script "demo", which package.json does not define']);
  });

  it(`is one page of at most ${README_MAX_LINES} lines`, () => {
    const lines = readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines`);
  });

  it('every example, benchmark and script a page points to exists', () => {
    const exists = (p: string): boolean => existsSync(path.join(packageRoot, p));
    assert.ok(pages.flatMap((p) => checkRepoPaths(p.text, () => false, p.path)).length >= 8, 'the path scan finds nothing: fix checkRepoPaths');
    assert.deepEqual(
      pages.flatMap((p) => checkRepoPaths(p.text, exists, p.path)),
      [],
    );
    assert.deepEqual(checkRepoPaths('run `node dist/bench/nope/x.js` or see examples/gone.toml, bench/<name>/', exists, 'docs/x.md'), [
      'docs/x.md points to bench/nope/x.ts, which does not exist',
      'docs/x.md points to examples/gone.toml, which does not exist',
    ]);
  });

  it('computes GitHub heading anchors the way GitHub does', () => {
    const anchors = headingAnchors('## Compliance gate: `bulwark gate` and `bulwark callgraph`\n### Commands\n## Commands\n```sh\n# not a heading\n```\n');
    assert.deepEqual([...anchors], ['compliance-gate-bulwark-gate-and-bulwark-callgraph', 'commands', 'commands-1']);
  });
});

describe('manual: pages and links', () => {
  const exists = (p: string): boolean => existsSync(path.join(packageRoot, p));

  it('has every subsystem page and docs/index.md', () => {
    for (const p of [...SUBSYSTEM_PAGES, 'docs/index.md']) assert.ok(exists(p), `${p} is missing`);
  });

  it('the README and docs/index.md link to every page of docs/ (and to the pages written elsewhere)', () => {
    const wanted = [...new Set([...SUBSYSTEM_PAGES, ...WRITTEN_ELSEWHERE, ...docPages.map((p) => p.path)])].sort();
    const fromReadme = linkedFiles({ path: 'README.md', text: readme });
    const fromIndex = linkedFiles({ path: 'docs/index.md', text: page('docs/index.md') });
    assert.deepEqual(
      wanted.filter((p) => !fromReadme.has(p)),
      [],
      'pages the README does not link to',
    );
    assert.deepEqual(
      wanted.filter((p) => p !== 'docs/index.md' && !fromIndex.has(p)),
      [],
      'pages docs/index.md does not link to',
    );
    assert.ok(fromReadme.has('docs/index.md'), 'the README does not link to docs/index.md');
  });

  it('every relative link of every page points to a file that exists and, with #anchor, to a heading of it', () => {
    assert.ok(pages.flatMap((p) => [...linkedFiles(p)]).length >= 30, 'the link scan finds nothing: fix markdownLinks');
    assert.deepEqual(checkLinks(pages, exists, WRITTEN_ELSEWHERE), []);
  });

  it('fails for a link to a missing heading, a missing file or a page outside the repository', () => {
    const a: Page = { path: 'docs/a.md', text: '# A\n\n## Cache rules\n\nsee [b](b.md#setup), [self](#cache-rules), [bad](#cache)\n' };
    const b: Page = {
      path: 'docs/b.md',
      text: '# B\n\n## Set up\n\n[a](a.md#cache-rules) [gone](gone.md) [up](../../x.md) [ok](https://example.com/#x) `[code](nope.md)`\n```\n[fenced](nope.md)\n```\n',
    };
    const files = new Set(['docs/a.md', 'docs/b.md']);
    assert.deepEqual(
      checkLinks([a, b], (p) => files.has(p)),
      [
        'docs/a.md:5: link to b.md#setup matches no heading of docs/b.md',
        'docs/a.md:5: link to #cache matches no heading of docs/a.md',
        'docs/b.md:5: link to gone.md: docs/gone.md does not exist',
        'docs/b.md:5: link to ../../x.md leaves the repository',
      ],
    );
    // a page written elsewhere may be linked before it exists, but not into a heading of it
    const c: Page = { path: 'README.md', text: '[arch](docs/architecture.md) [arch](docs/architecture.md#layers)\n' };
    assert.deepEqual(
      checkLinks([c], () => false, WRITTEN_ELSEWHERE),
      ['README.md:1: link to docs/architecture.md#layers: docs/architecture.md does not exist'],
    );
    assert.deepEqual(
      checkLinks([c], () => false),
      [
        'README.md:1: link to docs/architecture.md: docs/architecture.md does not exist',
        'README.md:1: link to docs/architecture.md#layers: docs/architecture.md does not exist',
      ],
    );
  });
});
