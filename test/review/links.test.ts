import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultReviewConfig } from '../../src/review/config.js';
import { decide } from '../../src/domain/verdict.js';
import { planCoverage } from '../../src/review/coverage.js';
import { renderMarkdown } from '../../src/review/render-markdown.js';
import { blobUrl, repositoryWebUrl } from '../../src/review/links.js';
import { buildReport, type ReviewReport } from '../../src/review/report.js';
import type { Change, PullRequestMeta } from '../../src/domain/change.js';
import type { Finding } from '../../src/protocol/findings.js';
import { changeOf, finding } from './helpers.js';

const HEAD = 'a'.repeat(40);
const config = defaultReviewConfig();

function pr(provider: 'github' | 'gitlab', repository: string): PullRequestMeta {
  return {
    provider,
    number: 7,
    title: 'PR [title](https://evil.example) @octocat',
    body: '',
    author: 'dev',
    htmlUrl: '',
    repository,
    baseRef: 'main',
    headRef: 'f',
    fromFork: false,
  };
}

async function report(findings: Finding[], extra: Partial<Change>, repositoryUrl: string | null): Promise<ReviewReport> {
  const change = changeOf({ 'src/pay.py': ['def pay(amount):', '    charge(amount)', '    return True'] }, extra);
  return buildReport({
    runId: 'run-1',
    change,
    decision: decide({ findings, config, gate: null, errors: [], change }),
    gate: null,
    coverage: planCoverage(change, { config }).record,
    maxFindings: config.max_findings,
    repositoryUrl,
  });
}

describe('finding locations as links in Markdown', () => {
  it('GitHub pull request: path:line links to the file at the head commit', async () => {
    const url = repositoryWebUrl(pr('github', 'acme/pay'), {});
    assert.equal(url, 'https://github.com/acme/pay');
    const md = renderMarkdown(await report([finding({ file: 'src/pay.py', line: 2 })], { headSha: HEAD, pr: pr('github', 'acme/pay') }, url));
    assert.ok(md.includes(`| [\`src/pay.py:2\`](https://github.com/acme/pay/blob/${HEAD}/src/pay.py#L2) |`), md);
  });

  it('GitHub Enterprise: the server from GITHUB_SERVER_URL', async () => {
    assert.equal(repositoryWebUrl(pr('github', 'acme/pay'), { GITHUB_SERVER_URL: 'https://ghe.example.com/' }), 'https://ghe.example.com/acme/pay');
    assert.equal(blobUrl('github', 'https://ghe.example.com/acme/pay', HEAD, 'a/b.ts', 9), `https://ghe.example.com/acme/pay/blob/${HEAD}/a/b.ts#L9`);
  });

  it('GitLab merge request: <project web url>/-/blob/<sha>/<path>#L<line>', async () => {
    const url = repositoryWebUrl(pr('gitlab', 'group/pay'), { CI_MERGE_REQUEST_PROJECT_URL: 'https://gitlab.example.com/group/pay' });
    assert.equal(url, 'https://gitlab.example.com/group/pay');
    const md = renderMarkdown(await report([finding({ file: 'src/pay.py', line: 3 })], { headSha: HEAD, pr: pr('gitlab', 'group/pay') }, url));
    assert.ok(md.includes(`[\`src/pay.py:3\`](https://gitlab.example.com/group/pay/-/blob/${HEAD}/src/pay.py#L3)`), md);
  });

  it('plain text when the repository or the head is unknown, and for PR metadata', async () => {
    const local = renderMarkdown(await report([finding({ file: 'src/pay.py', line: 2 })], { headSha: HEAD }, null));
    assert.ok(local.includes('| `src/pay.py:2` |'));
    assert.ok(!local.includes('](http'));
    const noHead = renderMarkdown(
      await report([finding({ file: 'src/pay.py', line: 2 })], { headSha: null, pr: pr('github', 'acme/pay') }, 'https://github.com/acme/pay'),
    );
    assert.ok(!noHead.includes('](http'));
    const meta = renderMarkdown(
      await report(
        [finding({ file: '(pull request description)', line: 0, category: 'prompt-injection' })],
        { headSha: HEAD, pr: pr('github', 'acme/pay') },
        'https://github.com/acme/pay',
      ),
    );
    assert.ok(!meta.includes('/blob/'));
    // no URL built from anything but a plain http(s) server and an owner/name repository
    assert.equal(repositoryWebUrl(pr('github', 'acme/pay'), { GITHUB_SERVER_URL: 'javascript:alert(1)' }), null);
    assert.equal(repositoryWebUrl(pr('github', 'acme/pay) x'), {}), null);
    assert.equal(repositoryWebUrl(pr('gitlab', 'g/p'), { CI_PROJECT_URL: 'https://user:pw@gitlab.example.com/g/p' }), null);
    assert.equal(repositoryWebUrl(null, {}), null);
  });

  it('a hostile path cannot break out of the link, and PR-derived text stays escaped', async () => {
    const file = 'src/x](javascript:alert(1)) <b>.py';
    const md = renderMarkdown(
      await report(
        [finding({ file, line: 4, message: 'see [here](https://evil.example) <img src=x> @octocat' })],
        { headSha: HEAD, pr: pr('github', 'acme/pay') },
        'https://github.com/acme/pay',
      ),
    );
    const row = md.split('\n').find((l) => l.includes('/blob/'))!;
    assert.ok(row.includes(`(https://github.com/acme/pay/blob/${HEAD}/src/x%5D%28javascript%3Aalert%281%29%29%20%3Cb%3E.py#L4)`), row);
    assert.ok(!md.includes('<img'));
    assert.ok(md.includes('@\u200boctocat'));
    assert.ok(md.includes('\\[here\\]'));
    // no link to anywhere but the repository: every other "](" is escaped
    assert.doesNotMatch(md, /[^\\]\]\(https:\/\/evil/);
    // paths that are not plain relative paths get no link
    assert.equal(blobUrl('github', 'https://github.com/acme/pay', HEAD, 'a//b.py', 1), null);
    assert.equal(blobUrl('github', 'https://github.com/acme/pay', HEAD, '../etc/passwd', 1), null);
    assert.equal(blobUrl('github', 'https://github.com/acme/pay', 'HEAD', 'a.py', 1), null);
  });
});
