import { z } from 'zod';
import { SEVERITIES } from '../protocol/findings.js';
export { OPT_IN_CATEGORIES } from '../domain/verdict.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'categories are lower-case slugs');

/** `[review.github]`: publishing to GitHub (comments, review, check run). */
export const githubConfigSchema = z
  .object({
    /** REST API base URL (GitHub Enterprise: https://HOST/api/v3). */
    api_url: z.string().url().default('https://api.github.com'),
    /** Post findings as inline comments of a COMMENT review (never an approval). */
    inline_comments: z.boolean().default(true),
    max_inline_comments: z.number().int().min(0).max(100).default(20),
    /** Create a check run; when the token may not (403/404), fall back to a commit status. */
    check_run: z.boolean().default(true),
    /**
     * Login an app installation token writes comments as (it may not read GET /user): the sticky
     * summary comment is found among this login's comments. GITHUB_TOKEN writes as github-actions[bot].
     */
    bot_login: z.string().min(1).default('github-actions[bot]'),
    /** Retries of one request after a rate limit (secondary: after `retry-after`; primary: until the reset). */
    rate_limit_retries: z.number().int().min(0).max(10).default(3),
    /** Total seconds one run may wait for rate limits; a longer wait fails the publishing instead. */
    max_rate_limit_wait_seconds: z.number().int().min(0).max(3600).default(60),
    /** Retries of one request after a 5xx or a network error (backoff 1 s, 4 s, 9 s …); timeouts are not retried. */
    server_error_retries: z.number().int().min(0).max(5).default(2),
    /** Spacing of write requests (GitHub asks for at least a second between content-creating requests). */
    write_interval_ms: z.number().int().min(0).max(10_000).default(1000),
  })
  .strict();
export type GithubConfig = z.infer<typeof githubConfigSchema>;

/** `[review.gitlab]`: publishing to GitLab (summary note, inline discussions, commit status). */
export const gitlabConfigSchema = z
  .object({
    /** REST API v4 base URL, ending in /api/v4 (GitLab CI's CI_API_V4_URL wins when set). */
    api_url: z
      .string()
      .url()
      .regex(/\/api\/v4\/?$/, 'must end in /api/v4 (what GitLab CI puts in CI_API_V4_URL)')
      .default('https://gitlab.com/api/v4'),
    /** Post findings as inline discussions on the merge request's diff. */
    inline_comments: z.boolean().default(true),
    max_inline_comments: z.number().int().min(0).max(100).default(20),
    /** Deadline of one API request, in seconds. */
    timeout_seconds: z.number().int().min(1).max(600).default(30),
  })
  .strict();
export type GitlabConfig = z.infer<typeof gitlabConfigSchema>;

/** The [review] table of bulwark.toml (owned by the review subsystem). Unknown keys are errors. */
export const reviewConfigSchema = z
  .object({
    /** Findings at or above this severity block (exit 1); "none" never blocks on severity. */
    fail_on: z.enum([...SEVERITIES, 'none']).default('high'),
    /** Findings below this model confidence are neither shown nor blocking. */
    min_confidence: z.number().min(0).max(1).default(0.5),
    /** Any finding in these categories blocks, whatever its severity. */
    block_categories: z.array(slug).default([]),
    /** How many findings the outputs show (most severe first); the rest are counted. */
    max_findings: z.number().int().min(1).max(10_000).default(10),
    /** Opt-in categories ("style", "nit") that are dropped unless listed here. */
    enable_categories: z.array(slug).default([]),
    /**
     * What an incomplete review decides (files clipped or skipped for the token budget, the
     * deadline or size): "approval" requires a human (exit 2), "fail" blocks (exit 1). Never a pass.
     */
    on_incomplete: z.enum(['approval', 'fail']).default('approval'),
    /** Extra glob patterns of files never sent for review (reported as skipped). */
    ignore: z.array(z.string().min(1)).default([]),
    /** Review generated, lock and vendored files too (skipped by default). */
    include_generated: z.boolean().default(false),
    /** Token budget for the diff sent to the pipeline; what does not fit is clipped or skipped. */
    token_budget: z.number().int().min(1_000).max(10_000_000).default(150_000),
    /** Largest chunk (tokens) one stage call receives. */
    chunk_tokens: z.number().int().min(500).max(1_000_000).default(30_000),
    /** Globs of files that count as regulated for coverage priority, besides the gate's zones. */
    regulated: z.array(z.string().min(1)).default([]),
    /** Files read from the base revision (never the PR's): an edit to them is itself a finding. */
    protected_paths: z.array(z.string().min(1)).default(['bulwark.toml', '.bulwark/**']),
    github: githubConfigSchema.default(() => githubConfigSchema.parse({})),
    gitlab: gitlabConfigSchema.default(() => gitlabConfigSchema.parse({})),
  })
  .strict();
export type ReviewConfig = z.infer<typeof reviewConfigSchema>;

export function defaultReviewConfig(): ReviewConfig {
  return reviewConfigSchema.parse({});
}
