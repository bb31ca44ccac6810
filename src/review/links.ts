import type { PullRequestMeta } from '../domain/change.js';

/**
 * Links from a review to the reviewed code on the forge that hosts it. Known only in CI: the base
 * repository comes from a GitHub pull_request event (on GitHub Enterprise the server is
 * `GITHUB_SERVER_URL`) or GitLab's merge-request variables, never from text the PR author wrote.
 */

/** The repository's web URL (no trailing slash), or null when it is not known or not a plain http(s) URL. */
export function repositoryWebUrl(
  pr: Pick<PullRequestMeta, 'provider' | 'repository'> | null,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  if (!pr) return null;
  let raw: string | undefined;
  if (pr.provider === 'github') {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(pr.repository)) return null;
    raw = `${(env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')}/${pr.repository}`;
  } else {
    raw = env.CI_MERGE_REQUEST_PROJECT_URL || env.CI_PROJECT_URL;
  }
  return raw ? plainHttpUrl(raw) : null;
}

function plainHttpUrl(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || u.search || u.hash) return null;
  const href = u.href.replace(/\/+$/, '');
  // the URL goes into Markdown link destinations: nothing that could end or break one
  return /^[^\s()<>"'`\\[\]]+$/.test(href) ? href : null;
}

/** One path segment, encoded so that it cannot end a Markdown link destination either. */
function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The URL of `path` at `sha`, at `line` when it is positive: GitHub
 * `<repo>/blob/<sha>/<path>#L<line>`, GitLab `<project>/-/blob/<sha>/<path>#L<line>`.
 */
export function blobUrl(provider: PullRequestMeta['provider'], repoUrl: string, sha: string, path: string, line: number): string | null {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha) || path === '' || path.startsWith('/')) return null;
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  const base = provider === 'github' ? `${repoUrl}/blob/${sha}` : `${repoUrl}/-/blob/${sha}`;
  return `${base}/${segments.map(encodeSegment).join('/')}${line > 0 ? `#L${line}` : ''}`;
}
