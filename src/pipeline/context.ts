import type { Change, ChangedFile } from '../domain/change.js';
import type { Finding } from '../protocol/findings.js';
import { addCounts, type RedactionCounts } from '../domain/redact.js';
import { redactTexts } from '../llm/secret-scan.js';
import { fenceUntrusted, stripHidden } from '../domain/untrusted.js';

/**
 * Builds the structured JSON context a stage worker hands to its model. Everything derived from
 * the pull request (diff text, title, body, upstream model output) is secret-redacted (the
 * maintained rule set, card numbers, IBANs, the hand-written rules) and fenced as untrusted data
 * here, in the trusted parent, before it crosses into the worker: the worker never holds them.
 */

/** Diff text budget of one context; larger changes list the rest for the tools to fetch. */
export const MAX_CONTEXT_DIFF_CHARS = 400_000;

export const DIFF_FORMAT_NOTE =
  'Each diff line is "<new line number>\\t<marker><text>": marker "+" added, " " unchanged, "-" removed (removed lines have no new line number). Use these new-side line numbers in findings.';

export function renderFileDiff(file: ChangedFile): string {
  const out: string[] = [];
  for (const h of file.hunks) {
    out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${h.section ? ' ' + h.section : ''}`);
    for (const l of h.lines) {
      if (l.kind === 'add') out.push(`${l.newLine ?? ''}\t+${l.text}`);
      else if (l.kind === 'context') out.push(`${l.newLine ?? ''}\t ${l.text}`);
      else out.push(`\t-${l.text}`);
    }
  }
  return out.join('\n');
}

export interface UpstreamOutput {
  markdown: string;
  findings: Finding[];
  /** A non-model stage's structured result (a mutation stage's counts, score and survivors). */
  data?: Record<string, unknown>;
}

export interface ContextBuild {
  context: Record<string, unknown>;
  redactions: RedactionCounts;
}

/** The change and gate part, built once per run (upstream outputs are added per stage). */
export async function buildChangeContext(change: Change, gate: unknown): Promise<ContextBuild> {
  // the texts that go in, redacted in one batch and read back by position
  const texts: string[] = [];
  const add = (s: string): number => texts.push(stripHidden(s)) - 1;
  let budget = MAX_CONTEXT_DIFF_CHARS;
  const files = change.files.map((f) => {
    const base = { path: f.path, oldPath: f.oldPath, status: f.status, additions: f.additions, deletions: f.deletions };
    if (f.binary || f.submodule) return { base, note: f.binary ? 'binary file' : 'submodule' };
    const text = renderFileDiff(f);
    if (text.length > budget) return { base, note: 'diff left out of the context (size budget); read the file with the tools' };
    budget -= text.length;
    return { base, diff: add(text) };
  });
  const prRefs = change.pr ? { title: add(change.pr.title), body: add(change.pr.body) } : null;
  const redacted = await redactTexts(texts);
  const counts: RedactionCounts = {};
  for (const r of redacted) addCounts(counts, r.counts);
  const clean = (i: number): string => redacted[i]!.text;
  const pr =
    change.pr && prRefs
      ? {
          number: change.pr.number,
          author: change.pr.author,
          baseRef: change.pr.baseRef,
          headRef: change.pr.headRef,
          fromFork: change.pr.fromFork,
          title: fenceUntrusted('pull request title', clean(prRefs.title)),
          body: fenceUntrusted('pull request description', clean(prRefs.body)),
        }
      : null;
  return {
    context: {
      change: {
        source: change.source.description,
        baseSha: change.baseSha,
        headSha: change.headSha,
        diffFormat: DIFF_FORMAT_NOTE,
        files: files.map((f) =>
          f.diff === undefined ? { ...f.base, diff: null, note: f.note } : { ...f.base, diff: fenceUntrusted(`diff of ${f.base.path}`, clean(f.diff)) },
        ),
        pr,
      },
      gate: gate ?? null,
    },
    redactions: counts,
  };
}

/** Upstream outputs as data: their Markdown is model output shaped by PR text, so it is fenced too. */
export function upstreamContext(upstream: ReadonlyMap<string, UpstreamOutput>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, u] of upstream) {
    out[name] = {
      markdown: fenceUntrusted(`report of stage ${name}`, u.markdown),
      findings: u.findings.map((f) => ({
        file: f.file,
        line: f.line,
        severity: f.severity,
        category: f.category,
        message: f.message,
        confidence: f.confidence,
      })),
      ...(u.data ? { result: u.data } : {}),
    };
  }
  return out;
}
