import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { dbLocation, loadEvidenceConfig, type EvidenceFlags } from '../../app/evidence-config.js';
import { loadVerifierKey } from '../../audit/keys.js';
import { openStore } from '../../audit/log.js';
import { displayLocation, resolveDbLocation } from '../../audit/locations.js';
import { startConsole } from '../../console/serve.js';
import { witnessPolicy } from './audit-witness.js';
import { ExitCode, UsageError } from '../../domain/errors.js';
import { packageVersion } from '../../sandbox/package-paths.js';

interface ConsoleFlags extends EvidenceFlags {
  host: string;
  port: string;
  trustedKey: string[];
  witness: string[];
  witnessQuorum?: string;
  evidenceDir?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureExpose?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** `bulwark console`: the audit log in a browser, read-only, behind a random access token. */
export function register(program: Command, setExit: (code: number) => void): void {
  program
    .command('console')
    .description('Serve a read-only web console over the audit log (runs, call paths, approvals, verification, incidents, usage)')
    .option('--audit-db <location>', 'audit log: SQLite path or postgres:// URL')
    .option('--config <file>', 'bulwark.toml (default: ./bulwark.toml)')
    .option('--repo <dir>', 'a clone of the reviewed repository: code excerpts and stack-trace attribution')
    .option('--host <host>', 'address to listen on (non-loopback needs --tls-cert/--tls-key or --insecure-expose)', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', '8470')
    .option('--trusted-key <file>', 'verifier key whose checkpoints verify trusts (repeatable; default [audit] trusted_key)', collect, [])
    .option('--witness <vkey-or-file>', 'witness key whose cosignature verify requires on the newest checkpoint (repeatable)', collect, [])
    .option('--witness-quorum <n>', 'how many of the --witness keys must have cosigned (default: all)')
    .option('--evidence-dir <dir>', 'directory of weekly evidence bundles (bulwark audit export) offered for download')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'private key of --tls-cert (PEM)')
    .option('--insecure-expose', 'allow plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)')
    .action(async (o: ConsoleFlags) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${o.port} is not a port number`);
      if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
      for (const [flag, file] of [
        ['--tls-cert', o.tlsCert],
        ['--tls-key', o.tlsKey],
        ['--evidence-dir', o.evidenceDir],
        ['--repo', o.repo],
      ] as const) {
        if (file !== undefined && !existsSync(file)) throw new UsageError(`${flag} ${file} does not exist`);
      }
      const cfg = loadEvidenceConfig(o);
      const keyFiles = o.trustedKey.length ? o.trustedKey : cfg.audit.trusted_key ? [cfg.audit.trusted_key] : [];
      const trustedKeys = keyFiles.map((f) => {
        if (!existsSync(f)) throw new UsageError(`--trusted-key ${f} does not exist`);
        return loadVerifierKey(f);
      });
      const witnesses = witnessPolicy(o.witness, o.witnessQuorum) ?? null;
      const location = resolveDbLocation(dbLocation(o), cfg.audit.db);
      const store = await openStore(location, { mustExist: true, readonly: true });
      const running = await startConsole({
        store,
        location: displayLocation(location),
        host: o.host,
        port,
        repoDir: o.repo ? path.resolve(o.repo) : null,
        trustedKeys,
        witnesses,
        evidenceDir: o.evidenceDir ? path.resolve(o.evidenceDir) : null,
        version: packageVersion,
        ...(o.tlsCert && o.tlsKey ? { tls: { certFile: o.tlsCert, keyFile: o.tlsKey } } : {}),
        insecureExpose: Boolean(o.insecureExpose),
      }).catch(async (e: unknown) => {
        await store.close();
        throw e;
      });
      process.stdout.write(`bulwark console: ${running.url}/?token=${running.token}\n`);
      process.stderr.write(`bulwark: serving ${displayLocation(location)} read-only (${running.ctx.index.size} entries); Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await running.close();
      await store.close();
      setExit(ExitCode.Pass);
    });
}
