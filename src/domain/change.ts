import { z } from 'zod';

/**
 * The change under review, whatever its source (local git, a patch, a GitHub or GitLab CI event).
 * Everything that came from the PR author — paths, hunk text, title, body, branch names — is
 * untrusted data: fence it (`fenceUntrusted`) and redact it (`redactText`, which applies
 * `redactSecrets` with the maintained rule set's findings) before it reaches a
 * provider, and never treat it as instructions.
 *
 * The types are zod-inferred so a Change can cross the worker channel and be re-validated there.
 */

export const CHANGE_SOURCE_KINDS = ['git', 'patch', 'github-event', 'gitlab-mr'] as const;
export type ChangeSourceKind = (typeof CHANGE_SOURCE_KINDS)[number];

/**
 * What happened to a file. `binary` and `submodule` win over the operation because their content
 * cannot be reviewed as text; the underlying operation is kept in `ChangedFile.operation`.
 */
export const FILE_STATUSES = ['added', 'modified', 'deleted', 'renamed', 'copied', 'mode-changed', 'binary', 'submodule'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

export const FILE_OPERATIONS = ['added', 'modified', 'deleted', 'renamed', 'copied', 'mode-changed'] as const;
export type FileOperation = (typeof FILE_OPERATIONS)[number];

export const diffLineSchema = z.object({
  kind: z.enum(['context', 'add', 'del']),
  /** Line text without the leading '+', '-' or ' ' and without the newline. */
  text: z.string(),
  /** 1-based line number on the old side (context and del lines). */
  oldLine: z.number().int().positive().optional(),
  /** 1-based line number on the new side (context and add lines). */
  newLine: z.number().int().positive().optional(),
});
export type DiffLine = z.infer<typeof diffLineSchema>;

export const hunkSchema = z.object({
  oldStart: z.number().int().nonnegative(),
  oldLines: z.number().int().nonnegative(),
  newStart: z.number().int().nonnegative(),
  newLines: z.number().int().nonnegative(),
  /** The text after the second '@@' (git's function-context heading); untrusted. */
  section: z.string(),
  lines: z.array(diffLineSchema),
});
export type Hunk = z.infer<typeof hunkSchema>;

export const changedFileSchema = z.object({
  /** The path that identifies the file in findings: the new path, or the old one for deletions. */
  path: z.string().min(1),
  oldPath: z.string().nullable(),
  newPath: z.string().nullable(),
  status: z.enum(FILE_STATUSES),
  operation: z.enum(FILE_OPERATIONS),
  oldMode: z.string().optional(),
  newMode: z.string().optional(),
  /** Rename/copy similarity index 0..100 when git reported one. */
  similarity: z.number().int().min(0).max(100).optional(),
  binary: z.boolean(),
  submodule: z.boolean(),
  /** The diff text of this file was not valid UTF-8 (decoded with replacement characters). */
  nonUtf8: z.boolean(),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  hunks: z.array(hunkSchema),
});
export type ChangedFile = z.infer<typeof changedFileSchema>;

/** Pull/merge-request metadata. All text fields are untrusted (written by the PR author). */
export const pullRequestMetaSchema = z.object({
  provider: z.enum(['github', 'gitlab']),
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string(),
  author: z.string(),
  /** Human-facing URL of the PR/MR. */
  htmlUrl: z.string(),
  /** API URL of the PR/MR when known. */
  apiUrl: z.string().optional(),
  /** "owner/name" (GitHub) or project path (GitLab) of the base repository. */
  repository: z.string(),
  baseRef: z.string(),
  headRef: z.string(),
  /** The head lives in another repository (a fork): its code must never be run. */
  fromFork: z.boolean(),
  draft: z.boolean().optional(),
});
export type PullRequestMeta = z.infer<typeof pullRequestMetaSchema>;

export const changeSchema = z.object({
  source: z.object({
    kind: z.enum(CHANGE_SOURCE_KINDS),
    /** One line for humans, e.g. "git origin/main...HEAD" or "patch changes.diff". */
    description: z.string(),
  }),
  /** Local checkout the change was read from, when there is one. */
  repoDir: z.string().nullable(),
  baseSha: z.string().nullable(),
  headSha: z.string().nullable(),
  /** The merge base of base and head; the diff is mergeBase..head. */
  mergeBase: z.string().nullable(),
  files: z.array(changedFileSchema),
  pr: pullRequestMetaSchema.nullable(),
});
export type Change = z.infer<typeof changeSchema>;

/** The new-side line numbers a comment may be attached to (lines inside a hunk: added or context). */
export function commentableLines(file: ChangedFile): Set<number> {
  const out = new Set<number>();
  for (const h of file.hunks) for (const l of h.lines) if (l.newLine !== undefined) out.add(l.newLine);
  return out;
}

/** Text of the given new-side line as the diff shows it, or undefined when the diff does not contain it. */
export function newLineText(file: ChangedFile, line: number): string | undefined {
  for (const h of file.hunks) {
    if (line < h.newStart || line >= h.newStart + Math.max(h.newLines, 1)) continue;
    for (const l of h.lines) if (l.newLine === line) return l.text;
  }
  return undefined;
}
