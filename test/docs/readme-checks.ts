import path from 'node:path';

/**
 * Pure checks of the manual (README.md plus every docs/*.md page) against the code it documents.
 * Each returns a list of problems (empty = in sync) so the tests can show both that the real
 * manual passes and that a drifted one fails.
 */

/** One page of the manual: its path relative to the repository root (`README.md`, `docs/gate.md`) and its text. */
export interface Page {
  path: string;
  text: string;
}

/** Text between `<!-- section:NAME -->` and `<!-- /section:NAME -->`; throws unless exactly one pair, in order. */
export function section(md: string, name: string): string {
  const open = `<!-- section:${name} -->`;
  const close = `<!-- /section:${name} -->`;
  const starts = md.split(open).length - 1;
  const ends = md.split(close).length - 1;
  if (starts !== 1 || ends !== 1) throw new Error(`expected one ${open} … ${close} pair, found ${starts} opening and ${ends} closing markers`);
  const a = md.indexOf(open);
  const b = md.indexOf(close);
  if (b < a) throw new Error(`${close} comes before ${open}`);
  return md.slice(a + open.length, b);
}

/** Text from a heading line (exact) to the next heading of the same or a higher level. */
export function headingBlock(md: string, heading: string): string {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === heading);
  if (start < 0) throw new Error(`heading "${heading}" not found`);
  const level = /^#+/.exec(heading)![0].length;
  let end = lines.length;
  let inFence = false;
  for (let i = start + 1; i < lines.length; i++) {
    if (/^\s*```/.test(lines[i]!)) inFence = !inFence;
    const m = /^(#+)\s/.exec(lines[i]!);
    if (!inFence && m && m[1]!.length <= level) {
      end = i;
      break;
    }
  }
  return lines.slice(start, end).join('\n');
}

/** Cells of every GFM table row (`| a | b |`), separator rows left out; `\|` stays inside a cell. */
export function tableRows(text: string): string[][] {
  const rows: string[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('|')) continue;
    const cells = line
      .slice(1, line.endsWith('|') && !line.endsWith('\\|') ? -1 : undefined)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
    if (cells.every((c) => /^:?-{3,}:?$/.test(c))) continue;
    rows.push(cells);
  }
  return rows;
}

/** The code span a row's first cell consists of, or undefined (header rows, prose). */
export function firstCellCode(row: string[]): string | undefined {
  const m = /^`([^`]+)`$/.exec(row[0] ?? '');
  return m ? m[1] : undefined;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces → "-", repeats get "-1", "-2"… */
export function headingAnchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let inFence = false;
  for (const line of md.split('\n')) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (inFence || !m) continue;
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Markdown links `[text](target)` outside code blocks and code spans, with their 1-based line numbers. */
export function markdownLinks(md: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  let inFence = false;
  md.split('\n').forEach((raw, i) => {
    if (/^\s*```/.test(raw)) {
      inFence = !inFence;
      return;
    }
    if (inFence) return;
    // a code span inside the link text (`[`bulwark gate`](gate.md)`) still leaves `](`
    const line = raw.replace(/`[^`]*`/g, '``');
    for (const m of line.matchAll(/\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)) out.push({ target: m[1]!, line: i + 1 });
  });
  return out;
}

/**
 * Every relative link of every page: its file must exist inside the repository, and a `#anchor`
 * must be a heading of the page it points to (the page itself for `#anchor` alone). A Markdown
 * file outside the manual cannot have its headings checked, so an anchor into one is a problem.
 * `writtenElsewhere` names pages another branch adds: a link to one (without an anchor) is
 * accepted while it does not exist yet, and checked like any page once it does.
 */
export function checkLinks(pages: readonly Page[], exists: (relPath: string) => boolean, writtenElsewhere: ReadonlySet<string> = new Set()): string[] {
  const byPath = new Map(pages.map((p) => [p.path, p]));
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (p: Page): Set<string> => {
    let a = anchorCache.get(p.path);
    if (!a) anchorCache.set(p.path, (a = headingAnchors(p.text)));
    return a;
  };
  const problems: string[] = [];
  for (const page of pages) {
    for (const { target, line } of markdownLinks(page.text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const where = `${page.path}:${line}: link to ${target}`;
      const hash = target.indexOf('#');
      const file = hash < 0 ? target : target.slice(0, hash);
      const anchor = hash < 0 ? undefined : target.slice(hash + 1);
      if (file.startsWith('/')) {
        problems.push(`${where} is absolute (use a path relative to the page)`);
        continue;
      }
      let decoded: string;
      try {
        decoded = decodeURIComponent(file);
      } catch {
        problems.push(`${where} is not a valid URL path`);
        continue;
      }
      const resolved = decoded === '' ? page.path : path.posix.normalize(path.posix.join(path.posix.dirname(page.path), decoded));
      if (resolved === '..' || resolved.startsWith('../')) {
        problems.push(`${where} leaves the repository`);
        continue;
      }
      const to = byPath.get(resolved);
      if (to) {
        if (anchor !== undefined && !anchorsOf(to).has(anchor)) problems.push(`${where} matches no heading of ${resolved}`);
        continue;
      }
      if (!exists(resolved)) {
        if (!(writtenElsewhere.has(resolved) && anchor === undefined)) problems.push(`${where}: ${resolved} does not exist`);
        continue;
      }
      if (anchor !== undefined && resolved.endsWith('.md'))
        problems.push(`${where}: ${resolved} is not a page of the manual, so its headings cannot be checked`);
    }
  }
  return problems;
}

/** Repository-relative paths of the files `page` links to (anchors dropped, external links left out). */
export function linkedFiles(page: Page): Set<string> {
  const out = new Set<string>();
  for (const { target } of markdownLinks(page.text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const file = target.split('#')[0]!;
    if (file !== '') out.add(path.posix.normalize(path.posix.join(path.posix.dirname(page.path), file)));
  }
  return out;
}

const ENV_HEADING = '## Environment variables';

/**
 * Every schema key has a row whose first cell is the key in backticks, and every such row names a
 * real key (rows of the environment table excepted).
 */
export function checkConfigReference(sectionText: string, keys: readonly string[]): string[] {
  const envAt = sectionText.indexOf(ENV_HEADING);
  const keyPart = envAt >= 0 ? sectionText.slice(0, envAt) : sectionText;
  const documented = tableRows(keyPart)
    .map(firstCellCode)
    .filter((k): k is string => k !== undefined);
  const known = new Set(keys);
  const problems: string[] = [];
  const counts = new Map<string, number>();
  for (const k of documented) counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const k of keys) if (!counts.has(k)) problems.push(`config key \`${k}\` has no row in the configuration reference`);
  for (const [k, n] of counts) {
    if (!known.has(k)) problems.push(`configuration reference documents \`${k}\`, which no schema accepts`);
    if (n > 1) problems.push(`configuration reference has ${n} rows for \`${k}\``);
  }
  return problems;
}

/** Environment variable names read by the code that the reference's environment table does not name. */
export function checkEnvTable(sectionText: string, names: Iterable<string>): string[] {
  const envAt = sectionText.indexOf(ENV_HEADING);
  if (envAt < 0) return [`configuration reference has no "${ENV_HEADING}" table`];
  const spans = tableRows(sectionText.slice(envAt)).flatMap((r) => [...(r[0] ?? '').matchAll(/`([A-Z][A-Z0-9_]*\*?)`/g)].map((m) => m[1]!));
  const exact = new Set(spans.filter((s) => !s.endsWith('*')));
  const prefixes = spans.filter((s) => s.endsWith('*')).map((s) => s.slice(0, -1));
  const problems: string[] = [];
  for (const n of new Set(names)) {
    if (!exact.has(n) && !prefixes.some((p) => n.startsWith(p)))
      problems.push(`environment variable ${n} is read by the code but not in the environment table`);
  }
  return problems;
}

export interface CommandInfo {
  /** e.g. ["audit", "record", "deploy"] */
  path: string[];
  /** Long flags (`--db`), short ones when there is no long one; hidden synonyms included. */
  flags: string[];
  /** The flags `--help` shows (hidden ones left out): the table must list all of these. */
  shownFlags: string[];
}

const FLAG = /(?<![\w-])--[a-z][a-z0-9-]*/g;

/**
 * The commands table: a row `bulwark <path>` for every command that has an action or options
 * (groups such as `audit` are covered by their subcommands' rows), its main-flags cell naming
 * every flag `--help` shows and no flag the command lacks, and no row naming a command that does not exist.
 */
export function checkCommandsTable(sectionText: string, commands: readonly CommandInfo[]): string[] {
  const rows = new Map<string, string[]>();
  for (const r of tableRows(sectionText)) {
    const c = firstCellCode(r);
    if (c?.startsWith('bulwark ')) rows.set(c.slice('bulwark '.length), r);
  }
  const byName = new Map(commands.map((c) => [c.path.join(' '), c]));
  const problems: string[] = [];
  for (const c of commands) {
    const name = c.path.join(' ');
    const row = rows.get(name);
    if (!row) {
      const isGroup = commands.some((o) => o.path.length > c.path.length && o.path.slice(0, c.path.length).join(' ') === name);
      const coveredByChild = [...rows.keys()].some((k) => k.startsWith(name + ' '));
      if (!(isGroup && coveredByChild && c.shownFlags.length === 0)) problems.push(`command \`bulwark ${name}\` has no row in the commands table`);
      continue;
    }
    const listed = new Set((row[2] ?? '').match(FLAG) ?? []);
    for (const f of listed) if (!c.flags.includes(f)) problems.push(`commands table lists ${f} for \`bulwark ${name}\`, which has no such flag`);
    for (const f of c.shownFlags) if (f.startsWith('--') && !listed.has(f)) problems.push(`\`bulwark ${name}\` flag ${f} is missing from the commands table`);
  }
  for (const name of rows.keys()) if (!byName.has(name)) problems.push(`commands table names \`bulwark ${name}\`, which is not a command`);
  return problems;
}

/** The `## Exit codes` table and the ExitCode object hold the same codes. */
export function checkExitCodes(md: string, exitCodes: Record<string, number>): string[] {
  const rows = tableRows(headingBlock(md, '## Exit codes')).filter((r) => /^\d+$/.test(r[0] ?? ''));
  const documented = rows.map((r) => Number(r[0]));
  const actual = Object.values(exitCodes);
  const problems: string[] = [];
  for (const c of actual) if (!documented.includes(c)) problems.push(`exit code ${c} is not in the README's exit-code table`);
  for (const c of documented) if (!actual.includes(c)) problems.push(`README's exit-code table lists ${c}, which ExitCode does not define`);
  for (const r of rows) if (!r[1]) problems.push(`exit code ${r[0]} has no meaning in the README`);
  if (new Set(documented).size !== documented.length) problems.push('README exit-code table repeats a code');
  return problems;
}

/** Every `npm run X` / `npm test` in the quick start names a package.json script. */
export function checkQuickStartScripts(md: string, scripts: Record<string, string>): string[] {
  const block = headingBlock(md, '## Quick start');
  const problems: string[] = [];
  const used = new Set<string>();
  for (const m of block.matchAll(/\bnpm run ([\w:.-]+)/g)) used.add(m[1]!);
  for (const m of block.matchAll(/\bnpm (test|start)\b/g)) used.add(m[1]!);
  if (used.size === 0) problems.push('quick start runs no npm script');
  for (const s of used) if (!(s in scripts)) problems.push(`quick start runs npm script "${s}", which package.json does not define`);
  return problems;
}

/**
 * `bulwark …` command lines inside a page's shell code blocks: the command must exist and
 * every `--flag` before a comment must be one of its options.
 */
export function checkShellExamples(md: string, commands: readonly CommandInfo[]): string[] {
  const byName = new Map(commands.map((c) => [c.path.join(' '), c]));
  const problems: string[] = [];
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    const f = /^\s*```(\w*)/.exec(line);
    if (f) {
      fence = fence === null ? f[1]! : null;
      continue;
    }
    if (fence !== 'sh' && fence !== 'bash' && fence !== 'shell') continue;
    const code = line.replace(/\s#.*$/, '');
    for (const m of code.matchAll(/(?:^|[\s;&|(])(?:npx\s+)?bulwark\s+([a-z][a-z-]*(?:\s+[a-z][a-z-]*)*)/g)) {
      const words = m[1]!.split(/\s+/);
      let found: CommandInfo | undefined;
      for (let n = words.length; n > 0 && !found; n--) found = byName.get(words.slice(0, n).join(' '));
      if (!found) {
        problems.push(`shell example names an unknown command: bulwark ${m[1]}`);
        continue;
      }
      // flags after ` -- ` or a shell operator belong to another program
      const rest = code.slice(m.index + m[0].length).split(/\s(?:--|&&|\|\||;|\|)(?:\s|$)/)[0]!;
      for (const flag of rest.match(FLAG) ?? []) {
        if (!found.flags.includes(flag)) problems.push(`shell example \`bulwark ${found.path.join(' ')}\` uses ${flag}, which it does not accept`);
      }
    }
  }
  return problems;
}

/**
 * Every ```toml block of a page, run through `validate` (which returns an error message or
 * undefined); problems name the block by its first line and the page by `name`.
 */
export function checkTomlExamples(md: string, validate: (text: string) => string | undefined, name: string): string[] {
  const problems: string[] = [];
  for (const m of md.matchAll(/^```toml\n([\s\S]*?)^```/gm)) {
    const err = validate(m[1]!);
    if (err !== undefined)
      problems.push(`toml example starting "${m[1]!.split('\n')[0]}" (${name} line ${md.slice(0, m.index).split('\n').length + 1}): ${err}`);
  }
  return problems;
}

/**
 * Repository files a page points readers to: `node dist/X.js` needs `X.ts`, and paths under
 * examples/, bench/, scripts/, native/ and .ci/ must exist (globs and placeholders are skipped).
 */
export function checkRepoPaths(md: string, exists: (relPath: string) => boolean, name: string): string[] {
  const wanted = new Set<string>();
  for (const m of md.matchAll(/\bnode dist\/([\w./-]+)\.js\b/g)) wanted.add(`${m[1]}.ts`);
  for (const m of md.matchAll(/(?<![\w./-])((?:examples|bench|scripts|native|\.ci)\/[\w./<>*-]*[\w>*])/g)) {
    if (!/[<>*]/.test(m[1]!)) wanted.add(m[1]!);
  }
  return [...wanted].filter((p) => !exists(p)).map((p) => `${name} points to ${p}, which does not exist`);
}
