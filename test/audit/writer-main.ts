/**
 * A separate writer process for the concurrency and crash tests (not a test file itself).
 * argv: <db> <writer id> <entries> <group size> [signing key]. Prints "committed <id> <n>" after every
 * durable append; with a key it also signs a checkpoint after every append.
 */
import { openAuditLogImpl } from '../../src/audit/log.js';
import { llmCall } from './helpers.js';

const [db, id, countArg, groupArg, keyFile] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const count = Number(countArg);
const group = Number(groupArg);
const log = await openAuditLogImpl({ location: db, keyFile, notice: () => undefined });
let done = 0;
while (done < count) {
  const n = Math.min(group, count - done);
  const blob = await log.putBlob(`prompt from writer ${id} #${done} ` + 'x'.repeat(200));
  await log.appendMany(Array.from({ length: n }, (_, j) => llmCall(`w${id}`, done + j, blob)));
  done += n;
  if (keyFile) await log.checkpoint();
  process.stdout.write(`committed ${id} ${done}\n`);
}
await log.close();
