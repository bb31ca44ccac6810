// Child process for the concurrency test: appends `count` entries to the PostgreSQL store at `url`,
// one transaction each, on its own connection. Prints the indices it got as JSON.
import { canonicalBytes, makeEntry } from '../../src/audit/entries.js';
import { leafHash } from '../../src/audit/merkle.js';
import { openPostgresLogStore } from '../../src/audit/store-postgres.js';

const [url, writer, countText] = process.argv.slice(2);
const count = Number(countText);
const store = await openPostgresLogStore(url!);
const got: number[] = [];
for (let i = 0; i < count; i++) {
  const entry = makeEntry({ kind: 'override', actor: `writer-${writer}`, what: 'concurrency-test', reason: `entry ${i}` });
  const bytes = canonicalBytes(entry);
  const index = await store.writeTransaction(async (tx) => {
    const n = await tx.size();
    await tx.insertEntries(n, [{ bytes, leafHash: leafHash(bytes), kind: entry.kind, timeMs: Date.parse(entry.time), runId: null }]);
    return n;
  });
  got.push(index);
}
await store.close();
process.stdout.write(JSON.stringify(got));
