// Child process for the concurrency test: appends `count` entries through the real audit log API
// (openAuditLog on a postgres:// URL), one durable transaction each, on its own connection.
// Prints the indices it got as JSON.
import { openAuditLog } from '../../src/audit/index.js';

const [url, writer, countText] = process.argv.slice(2);
const count = Number(countText);
const log = await openAuditLog({ location: url!, origin: 'bank.example/pg-test', notice: () => undefined });
const got: number[] = [];
for (let i = 0; i < count; i++) {
  const r = await log.append({ kind: 'override', actor: `writer-${writer}`, what: 'concurrency-test', reason: `entry ${i}` });
  got.push(r.index);
}
await log.close();
process.stdout.write(JSON.stringify(got));
