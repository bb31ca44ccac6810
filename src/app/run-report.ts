import { openStore } from '../audit/log.js';
import { displayLocation } from '../audit/locations.js';
import { UsageError } from '../domain/errors.js';
import { renderRunReport } from '../review/html/report.js';
import { gitSourceReader, loadRunRecord } from '../review/run-record.js';
import { packageVersion } from '../sandbox/package-paths.js';

/**
 * The self-contained HTML report of one recorded run, rendered from the audit log (never from the
 * runner's memory, so it shows what verify covers). With a repository, findings carry the code of
 * the reviewed head around them.
 */
export async function htmlReportOfRun(o: { location: string; runId: string; repoDir?: string }): Promise<string> {
  const store = await openStore(o.location, { mustExist: true, readonly: true });
  try {
    const started = await store.queryEntries({ runId: o.runId, kind: 'run_started', limit: 1 });
    const head = started[0] ? (JSON.parse(Buffer.from(started[0].bytes).toString('utf8')) as { head?: string }).head : undefined;
    const source = o.repoDir && head ? gitSourceReader(o.repoDir, head) : undefined;
    const rec = await loadRunRecord(store, o.runId, source ? { source } : {});
    if (!rec) throw new UsageError(`run ${o.runId} is not in the audit log ${displayLocation(o.location)}`);
    return await renderRunReport(rec, { generatedAt: new Date().toISOString(), version: packageVersion, logLocation: displayLocation(o.location) });
  } finally {
    await store.close();
  }
}
