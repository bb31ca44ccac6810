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
  checkAnchors,
  checkCommandsTable,
  checkConfigReference,
  checkEnvTable,
  checkExitCodes,
  checkQuickStartScripts,
  checkRepoPaths,
  checkShellExamples,
  checkTomlExamples,
  headingAnchors,
  section,
  tableRows,
  type CommandInfo,
} from './readme-checks.js';

const readme = readFileSync(path.join(packageRoot, 'README.md'), 'utf8');
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

describe('README configuration reference', () => {
  const ref = section(readme, 'config-reference');

  it('the schemas expose the keys the reference is checked against', () => {
    // guards schemaKeys itself: a walker that lost nested tables would make the check vacuous
    for (const k of ['topology', 'review.fail_on', 'review.github.api_url', 'gate.zones[].path', 'sandbox.limits.cpu_seconds', 'pipeline.stages[].depends_on']) {
      assert.ok(configKeys.includes(k), `schemaKeys lost ${k}`);
    }
  });

  it('has one row for every key of bulwark.toml and the topology file, and none for keys that do not exist', () => {
    assert.deepEqual(checkConfigReference(ref, configKeys), []);
  });

  it('every row states a type, a default and a meaning', () => {
    const envAt = ref.indexOf('### Environment variables');
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

  it('links only to headings that exist', () => {
    assert.deepEqual(checkAnchors(ref, readme), []);
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
    assert.deepEqual(checkEnvTable(ref, ['BULWARK_NEW_SETTING']), ['environment variable BULWARK_NEW_SETTING is read by the code but not in the environment table']);
  });
});

describe('README commands section', () => {
  const cmds = section(readme, 'commands');

  it('the walk of the real program finds every command and subcommand', () => {
    const names = commands.map((c) => c.path.join(' '));
    for (const n of ['review', 'run', 'init', 'gate', 'gate status', 'callgraph', 'sandbox exec', 'sandbox doctor', 'sandbox policy', 'audit keygen', 'audit verify', 'audit checkpoint', 'audit proof', 'audit record deploy', 'audit show', 'audit export', 'audit retain', 'audit pg-init', 'approve', 'incident report', 'trailers']) {
      assert.ok(names.includes(n), `buildProgram has no "${n}"`);
    }
  });

  it('has a row for every command and subcommand, listing exactly its flags', () => {
    assert.deepEqual(checkCommandsTable(cmds, commands), []);
  });

  it('links only to headings that exist', () => {
    assert.deepEqual(checkAnchors(cmds, readme), []);
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
    const withFakeFlag = commands.map((c) => (c.path.join(' ') === 'init' ? { ...c, flags: [...c.flags, '--template'], shownFlags: [...c.shownFlags, '--template'] } : c));
    assert.deepEqual(added(cmds, withFakeFlag), ['`bulwark init` flag --template is missing from the commands table']);
  });
});

describe('README shell examples', () => {
  it('every `bulwark …` line in a shell block names a real command with flags it accepts', () => {
    assert.deepEqual(checkShellExamples(readme, commands), []);
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

describe('README TOML examples', () => {
  it('every ```toml block is a valid bulwark.toml or topology', () => {
    assert.ok((readme.match(/^```toml$/gm) ?? []).length >= 3, 'the README lost its TOML examples');
    assert.deepEqual(checkTomlExamples(readme, validateTomlExample), []);
  });

  it('fails for an example with a misspelled or out-of-range key', () => {
    const md = '```toml\n[review]\nfail_onn = "high"\n```\n\n```toml\n[[pipeline.stages]]\nname = "a"\nprompt_file = "p.md"\nmax_turns = 0\n```\n';
    const problems = checkTomlExamples(md, validateTomlExample);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^toml example starting "\[review\]" \(README line 2\): review: .*fail_onn/);
    assert.match(problems[1]!, /README line 7\): pipeline\.stages\.0\.max_turns: /);
  });
});

describe('README exit codes and quick start', () => {
  it('the exit-code table and ExitCode in src/errors.ts agree', () => {
    assert.deepEqual(checkExitCodes(readme, ExitCode), []);
  });

  it('fails when a code is missing or invented', () => {
    const drifted = readme.replace(/^\| 4 \|.*\n/m, '| 6 | cosmic rays |\n');
    assert.deepEqual(checkExitCodes(drifted, ExitCode), ["exit code 4 is not in the README's exit-code table", "README's exit-code table lists 6, which ExitCode does not define"]);
  });

  it('the quick start runs `npm run demo` and `npm test`, and package.json defines both', () => {
    assert.match(readme, /npm run demo/);
    assert.match(readme, /npm test/);
    assert.deepEqual(checkQuickStartScripts(readme, pkg.scripts), []);
    const { demo: _demo, ...withoutDemo } = pkg.scripts;
    assert.deepEqual(checkQuickStartScripts(readme, withoutDemo), ['quick start runs npm script "demo", which package.json does not define']);
  });

  it('every example, benchmark and script the README points to exists', () => {
    const exists = (p: string): boolean => existsSync(path.join(packageRoot, p));
    assert.ok(checkRepoPaths(readme, () => false).length >= 3, 'the path scan finds nothing: fix checkRepoPaths');
    assert.deepEqual(checkRepoPaths(readme, exists), []);
    assert.deepEqual(checkRepoPaths('run `node dist/bench/nope/x.js` or see examples/gone.toml, bench/<name>/', exists), [
      'README points to bench/nope/x.ts, which does not exist',
      'README points to examples/gone.toml, which does not exist',
    ]);
  });

  it('computes GitHub heading anchors the way GitHub does', () => {
    const anchors = headingAnchors('## Compliance gate: `bulwark gate` and `bulwark callgraph`\n### Commands\n## Commands\n```sh\n# not a heading\n```\n');
    assert.deepEqual([...anchors], ['compliance-gate-bulwark-gate-and-bulwark-callgraph', 'commands', 'commands-1']);
  });
});
