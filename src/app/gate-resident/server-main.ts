// The resident gate's process: started detached by `bulwark gate --resident` (./client.ts) with
// only the variables an evaluation reads, its output going to a private log file.
import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import { deferCacheWrites, flushCacheWrites } from '../../gate/cache.js';
import { collectGarbage } from '../../gate/collect-garbage.js';
import { keepStateAcrossRuns } from '../../gate/long-lived.js';
import { setV8Flag } from '../../gate/ts/v8-runtime-flags.js';
import { prepareGate } from '../gate.js';
import { AlreadyServing, Declined, serveResidentGate } from './server.js';
import type { GateEvaluationFlags } from '../gate.js';

/**
 * How far the resident gate's heap may grow past what was live at its last full collection before
 * the next: half as much again. With V8's own factor (up to four times) the garbage of a few
 * evaluations after one edit each piled up to 450–475 MB at 100 kLOC; with this one the resident
 * gate's peak stays that of its first, cold analysis (280 MB there), for the same speed.
 * Collecting after every evaluation instead made each next one about half again as slow.
 */
const HEAP_GROWING_PERCENT = 50;
const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
};

/**
 * A partial clone fetches a missing object when it is read, with the user's credentials, which a
 * resident gate is not given: where the client's own run would fetch, the resident's would fail.
 * Git fetches so from any promisor remote: one named by `extensions.partialClone`, or any remote
 * with `remote.<name>.promisor` true (a value git does not read as false counts: declining only
 * costs the client its own process). Asked of git on every evaluation (the configuration may have
 * changed), while the evaluation's own git process starts; nothing is read before it answers.
 */
function declineWhatItCannotRead(repo: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', repo, 'config', '--get-regexp', '^(extensions\\.partialclone|remote\\..*\\.promisor)$'], { encoding: 'utf8' }, (_err, stdout) => {
      // exit 1 (no such key) is the usual answer; any other failure leaves the evaluation's own git to say what is wrong
      for (const line of (stdout ?? '').split('\n')) {
        const space = line.indexOf(' ');
        const key = space < 0 ? line : line.slice(0, space);
        const value = space < 0 ? '' : line.slice(space + 1).trim();
        // a bare key (`promisor` alone) is true to git, an empty value (`promisor =`) false
        const promisor = key === 'extensions.partialclone' ? value !== '' : key.endsWith('.promisor') && (space < 0 || !/^(false|no|off|0|)$/i.test(value));
        if (promisor) return reject(new Declined('a partial clone: a missing object would be fetched with credentials a resident gate is not given'));
      }
      resolve();
    });
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string' },
      socket: { type: 'string' },
      build: { type: 'string' },
      fingerprint: { type: 'string' },
      'idle-ms': { type: 'string' },
    },
    strict: true,
  });
  const idleMs = Number(values['idle-ms']);
  const { repo, socket, build, fingerprint } = values;
  if (!repo || !socket || !build || !fingerprint || !Number.isSafeInteger(idleMs) || idleMs <= 0) {
    log('usage: server-main.js --repo DIR --socket PATH --build HEX --fingerprint HEX --idle-ms N');
    return 3;
  }
  keepStateAcrossRuns();
  // the head's graph reaches the disk after the client has its answer
  deferCacheWrites();
  let first = true;
  const evaluate = async (flags: GateEvaluationFlags, cwd: string) => {
    const mayRead = declineWhatItCannotRead(repo);
    // settled even when the evaluation fails before it waits for it: never an unhandled rejection
    mayRead.catch(() => undefined);
    try {
      // in the client's folder: its relative paths resolve, and its errors name them, as in its own process
      process.chdir(cwd);
    } catch (err) {
      throw new Declined(`cannot enter the client's folder ${cwd}: ${(err as Error).message}`);
    }
    try {
      // the client found --repo's work tree top from this folder, and only a client whose top is this
      // gate's repository is served: it is not asked of git again
      return await prepareGate(flags, repo, mayRead);
    } finally {
      // from the second evaluation on: the first is usually a cold analysis, which the default
      // factor lets run with fewer collections (about 15 % faster, measured). V8 applies the
      // factor when it sets its next limit, at a full collection: one now, once the answer has
      // gone, so the limit the cold analysis left does not stand.
      if (first) {
        setV8Flag(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
        setTimeout(collectGarbage, 200).unref();
      }
      first = false;
      process.chdir('/');
    }
  };
  try {
    await serveResidentGate({ repo, socket, build, fingerprint, idleMs, evaluate, log, collect: collectGarbage, afterAnswer: flushCacheWrites });
    return 0;
  } catch (err) {
    if (err instanceof AlreadyServing) {
      log(err.message);
      return 0;
    }
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    return 5;
  } finally {
    // what the last answer left to write, should the gate stop before its turn came
    flushCacheWrites();
  }
}

// exit now: a resident gate that has stopped must not linger on some handle of the last evaluation
process.exit(await main());
