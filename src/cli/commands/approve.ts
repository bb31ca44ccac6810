import { type Command, Option } from 'commander';
import { approveChange, changeAuthors } from '../../approval/approve.js';
import { changeHashFromRepo } from '../../approval/change-hash.js';
import { allowedSignersFile, loadEvidenceConfig, sshKeyFile, withEvidenceLog, type EvidenceFlags } from '../../app/evidence-config.js';
import { importGithubApprovals } from '../../approval/github.js';
import { ExitCode, UsageError } from '../../domain/errors.js';

/**
 * `bulwark approve --run ID | --change HASH --reviewer ID [--key FILE]`: a signed approval in the
 * audit log. `--github-repo owner/name --pr N` imports the PR's GitHub reviews instead (token from
 * GITHUB_TOKEN, never a flag, so it stays out of shell history and process lists).
 */
interface ApproveFlags extends EvidenceFlags {
  run?: string;
  change?: string;
  reviewer?: string;
  key?: string;
  allowedSigners?: string;
  reject?: boolean;
  comment?: string;
  githubRepo?: string;
  pr?: string;
  apiUrl?: string;
  json?: boolean;
}

export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('approve')
    .description('Record a signed approval (SSH key, namespace bulwark-approval) of a reviewed change, or import GitHub PR approvals')
    .option('--run <id>', 'the Bulwark run that reviewed the change')
    .option('--change <hash>', 'the change hash (sha256:…) to approve')
    .option('--reviewer <id>', 'reviewer principal as in the allowed-signers file (e.g. an email)')
    .option('--key <file>', 'SSH private key to sign with (default ~/.ssh/id_ed25519)')
    .option('--allowed-signers <file>', 'OpenSSH allowed-signers file (default [approvals] allowed_signers)')
    .option('--repo <dir>', 'checkout holding the change (its hash and authors are recomputed)', '.')
    .option('--reject', 'record a rejection instead of an approval')
    .option('--comment <text>', 'a note stored with the approval')
    .option('--github-repo <owner/name>', 'import approving reviews of a GitHub pull request (needs --run and --pr)')
    .option('--pr <number>', 'pull request number for --github-repo')
    .option('--api-url <url>', 'GitHub REST API base URL (GitHub Enterprise)', process.env.GITHUB_API_URL)
    .option('--audit-db <location>', 'audit log: SQLite path or postgres:// URL')
    .addOption(new Option('--db <location>').hideHelp())
    .option('--config <file>', 'bulwark.toml (default: <repo>/bulwark.toml)')
    .option('--json', 'print the recorded approval as JSON')
    .action(async (o: ApproveFlags) => {
      const cfg = loadEvidenceConfig(o);
      if (o.githubRepo !== undefined) {
        if (!o.run) throw new UsageError('--github-repo needs --run ID');
        if (!o.pr || !/^[1-9][0-9]*$/.test(o.pr)) throw new UsageError(`--pr "${o.pr ?? ''}" is not a pull request number`);
        const res = await withEvidenceLog(o, cfg, (log) =>
          importGithubApprovals({
            log,
            runId: o.run!,
            repository: o.githubRepo!,
            pull: Number(o.pr),
            ...(process.env.GITHUB_TOKEN ? { token: process.env.GITHUB_TOKEN } : {}),
            ...(o.apiUrl ? { apiUrl: o.apiUrl } : {}),
            githubUsers: cfg.approvals.github_users,
            changeAuthors: async (base, head) => {
              try {
                const repoDir = o.repo ?? '.';
                const local = await changeHashFromRepo(repoDir, base, head);
                return await changeAuthors(repoDir, local.mergeBase, local.head);
              } catch (err) {
                throw new UsageError(
                  `cannot list the authors of ${base.slice(0, 12)}..${head.slice(0, 12)} in --repo ${o.repo ?? '.'} (a full clone with both commits is needed): ${(err as Error).message.split('\n')[0]}`,
                );
              }
            },
          }),
        );
        if (o.json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
        else {
          for (const a of res.imported) process.stdout.write(`imported ${a.decision} by ${a.reviewer} (${a.source_ref})\n`);
          for (const s of res.skipped) process.stdout.write(`skipped review by ${s.login}: ${s.reason}\n`);
          if (res.imported.length === 0) process.stdout.write('no new approvals imported\n');
        }
        setExit(ExitCode.Pass);
        return;
      }
      if (!o.reviewer) throw new UsageError('approve needs --reviewer ID');
      if (!o.run && !o.change) throw new UsageError('approve needs --run ID or --change HASH');
      const signers = allowedSignersFile(o.allowedSigners, cfg, true)!;
      const keyFile = sshKeyFile(o.key);
      const res = await withEvidenceLog(o, cfg, (log) =>
        approveChange({
          log,
          ...(o.run ? { runId: o.run } : {}),
          ...(o.change ? { changeHash: o.change } : {}),
          reviewer: o.reviewer!,
          keyFile,
          allowedSignersFile: signers,
          repoDir: o.repo ?? '.',
          decision: o.reject ? 'reject' : 'approve',
          ...(o.comment !== undefined ? { comment: o.comment } : {}),
        }),
      );
      if (o.json) process.stdout.write(JSON.stringify({ index: res.appended.index, runs: res.runIds, ...res.entry }, null, 2) + '\n');
      else
        process.stdout.write(
          `recorded ${res.entry.decision} of ${res.entry.change_hash} by ${res.entry.reviewer} (key ${res.entry.key_fingerprint}) at audit index ${res.appended.index}\n`,
        );
      setExit(ExitCode.Pass);
    });
}
