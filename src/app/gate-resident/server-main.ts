// The resident gate's process: started detached by `bulwark gate --resident` (./client.ts) with
// only the variables an evaluation reads, its output going to a private log file.
import { parseArgs } from 'node:util';
import { collectGarbage } from '../../gate/ts/collect-garbage.js';
import { prepareGate } from '../gate.js';
import { AlreadyServing, serveResidentGate } from './server.js';

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
};

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
  // the socket file and the log are this user's alone, whatever the umask it was started with
  process.umask(0o077);
  process.title = 'bulwark-gate-resident';
  try {
    await serveResidentGate({ repo, socket, build, fingerprint, idleMs, evaluate: (flags) => prepareGate(flags), log, collect: collectGarbage });
    return 0;
  } catch (err) {
    if (err instanceof AlreadyServing) {
      log(err.message);
      return 0;
    }
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    return 5;
  }
}

// exit now: a resident gate that has stopped must not linger on some handle of the last evaluation
process.exit(await main());
