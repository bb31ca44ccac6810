import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../domain/errors.js';
import type { AuditConfig } from '../../audit/config.js';
import { loadVerifierKey } from '../../audit/keys.js';
import type { AuditLogImpl } from '../../audit/log.js';
import type { VerifierKey } from '../../audit/note.js';
import { cosignCheckpoint } from '../../audit/witness/client.js';
import { loadWitnessKey, loadWitnessSigner, writeWitnessKeyPair } from '../../audit/witness/keys.js';
import type { WitnessPolicy } from '../../audit/witness/quorum.js';
import { startWitnessServer } from '../../audit/witness/server.js';

/**
 * `bulwark audit witness keygen|serve|cosign`, and the `--witness`/`--witness-quorum` flags of
 * `audit verify` (parsed here, applied by verify). Part of the `audit` command.
 */

interface LogFlags {
  db?: string;
  auditDb?: string;
  config?: string;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function parseCount(v: string, flag: string): number {
  if (!/^[1-9][0-9]{0,5}$/.test(v)) throw new UsageError(`${flag} ${JSON.stringify(v)} is not a positive integer`);
  return Number(v);
}

function parsePort(v: string): number {
  if (!/^[0-9]{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`--port ${JSON.stringify(v)} is not a port number (0-65535)`);
  return Number(v);
}

/** `--log ORIGIN=VKEYFILE` (repeatable): the logs this witness cosigns, split at the last '='. */
function parseLogs(specs: string[]): Map<string, VerifierKey[]> {
  const logs = new Map<string, VerifierKey[]>();
  for (const spec of specs) {
    const at = spec.lastIndexOf('=');
    if (at <= 0 || at === spec.length - 1) throw new UsageError(`--log ${JSON.stringify(spec)}: expected ORIGIN=VKEY_FILE`);
    const origin = spec.slice(0, at);
    logs.set(origin, [...(logs.get(origin) ?? []), loadVerifierKey(spec.slice(at + 1))]);
  }
  if (logs.size === 0) throw new UsageError('--log ORIGIN=VKEY_FILE is required (the logs this witness cosigns)');
  return logs;
}

/** The verify flags as a policy; undefined without --witness. */
export function witnessPolicy(keys: string[] | undefined, quorum: string | undefined): WitnessPolicy | undefined {
  if (!keys || keys.length === 0) {
    if (quorum !== undefined) throw new UsageError('--witness-quorum needs at least one --witness KEY');
    return undefined;
  }
  const parsed = keys.map((k) => loadWitnessKey(k, '--witness'));
  const distinct = new Set(parsed.map((k) => k.text));
  if (distinct.size !== parsed.length) throw new UsageError('--witness names the same key twice');
  const n = quorum === undefined ? parsed.length : parseCount(quorum, '--witness-quorum');
  if (n > parsed.length) throw new UsageError(`--witness-quorum ${n} is more than the ${parsed.length} witness key(s) given`);
  return { keys: parsed, quorum: n };
}

export function registerWitness(
  audit: Command,
  setExit: (code: number) => void,
  common: (cmd: Command) => Command,
  withLog: <T>(flags: LogFlags, extra: { mustExist?: boolean }, fn: (log: AuditLogImpl) => Promise<T>) => Promise<T>,
  auditConfig: (flags: LogFlags) => AuditConfig,
): void {
  const witness = audit.command('witness').description('Witnesses (C2SP tlog-witness): run one, or ask the configured ones to cosign');

  witness
    .command('keygen')
    .description('Create a witness cosigning key (Ed25519 cosignature/v1, 0600) and its public vkey (<out>.pub)')
    .requiredOption('--out <path>', 'private key file')
    .requiredOption('--name <name>', 'witness name in cosignature lines (a schema-less URL, e.g. witness.example.com/w1)')
    .option('--force', 'replace an existing key')
    .action((o: { out: string; name: string; force?: boolean }) => {
      const r = writeWitnessKeyPair(o.out, o.name, o.force);
      process.stdout.write(`private key: ${r.keyFile}\npublic key:  ${r.publicKeyFile}\n${r.vkey}\n`);
      setExit(ExitCode.Pass);
    });

  witness
    .command('serve')
    .description('Run a witness: POST /add-checkpoint checks a consistency proof and returns a cosignature')
    .requiredOption('--key <file>', 'witness private key (from bulwark audit witness keygen)')
    .requiredOption('--state <file>', 'where the last cosigned checkpoint of each log is kept')
    .option('--log <origin=vkey-file>', "a log to witness: its origin and its checkpoint key's vkey file (repeatable)", collect)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', '7380')
    .action(async (o: { key: string; state: string; log?: string[]; host: string; port: string }) => {
      const key = loadWitnessSigner(o.key);
      const server = await startWitnessServer({
        key,
        logs: parseLogs(o.log ?? []),
        stateFile: o.state,
        host: o.host,
        port: parsePort(o.port),
        log: (line) => process.stderr.write(`bulwark witness: ${line}\n`),
      });
      process.stdout.write(`witness ${key.text} listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          void server.close().then(resolve);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      setExit(ExitCode.Pass);
    });

  common(
    witness
      .command('cosign')
      .description('Send the newest checkpoint (or --seq) to the [[audit.witnesses]] and store their cosignatures')
      .option('--seq <n>', 'the checkpoint to cosign (default: the newest)')
      .option('--timeout-ms <n>', 'per witness (default [audit] witness_timeout_ms, else 5000)'),
  ).action(async (o: LogFlags & { seq?: string; timeoutMs?: string }) => {
    const config = auditConfig(o);
    const witnesses = config.witnesses ?? [];
    if (witnesses.length === 0) throw new UsageError('no witnesses configured: add [[audit.witnesses]] (name, url, key) to bulwark.toml');
    const seq = o.seq === undefined ? undefined : /^(0|[1-9][0-9]{0,15})$/.test(o.seq) ? Number(o.seq) : NaN;
    if (Number.isNaN(seq)) throw new UsageError(`--seq ${JSON.stringify(o.seq)} is not a checkpoint number`);
    const timeoutMs = o.timeoutMs !== undefined ? parseCount(o.timeoutMs, '--timeout-ms') : config.witness_timeout_ms;
    const outcomes = await withLog(o, { mustExist: true }, (log) =>
      cosignCheckpoint(log, witnesses, { ...(seq !== undefined ? { seq } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) }),
    );
    for (const r of outcomes) process.stdout.write(`${r.ok ? 'cosigned' : 'FAILED  '} ${r.witness} size ${r.treeSize}${r.error ? `: ${r.error}` : ''}\n`);
    setExit(outcomes.every((r) => r.ok) ? ExitCode.Pass : ExitCode.Internal);
  });
}
