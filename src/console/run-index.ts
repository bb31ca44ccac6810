import type { LogStore } from '../audit/store.js';
import type { EntryOf } from '../domain/audit-entries.js';

/**
 * What the console's list pages need, kept in memory and brought up to date from the log's tail on
 * each request: the log is append-only, so reading only the entries added since the last request
 * keeps every page independent of the log's size. Only the kinds the lists show are decoded.
 */

export interface RunSummary {
  runId: string;
  startIndex: number;
  time: string;
  timeMs: number;
  command: string;
  repository: string | null;
  head: string | null;
  base: string | null;
  pr: number | null;
  title: string | null;
  author: string | null;
  changeHash: string | null;
  status: string | null;
  exitCode: number | null;
  durationMs: number | null;
  flagged: boolean | null;
  zones: string[];
  models: Set<string>;
  calls: number;
  tokensIn: number;
  tokensOut: number;
}

export interface ApprovalSummary {
  index: number;
  time: string;
  reviewer: string;
  changeHash: string;
  decision: 'approve' | 'reject';
  method: string;
  key: string | null;
  zones: string[];
  runId: string | null;
}

/** Per UTC day and provider/model: what the usage page plots. */
export interface UsageCell {
  day: string;
  model: string;
  calls: number;
  errors: number;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number[];
}

const LISTED = new Set(['run_started', 'run_finished', 'gate_decision', 'llm_call', 'approval']);
const BATCH = 10_000;

export class RunIndex {
  readonly runs = new Map<string, RunSummary>();
  /** Runs in log order of their first entry. */
  readonly order: RunSummary[] = [];
  readonly approvals: ApprovalSummary[] = [];
  readonly usage = new Map<string, UsageCell>();
  private next = 0;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly store: LogStore) {}

  /** Entries indexed so far (the log's size at the last refresh). */
  get size(): number {
    return this.next;
  }

  /** Reads the entries appended since the last refresh; concurrent callers share one read. */
  refresh(): Promise<void> {
    this.refreshing ??= this.readTail().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async readTail(): Promise<void> {
    const size = await this.store.size();
    if (size <= this.next) return;
    if (this.store.readEntryTexts) {
      for await (const rows of this.store.readEntryTexts(this.next, size, BATCH)) {
        for (const r of rows) if (LISTED.has(r.kind)) this.absorb(r.index, JSON.parse(r.text) as EntryOf<'run_started'>);
        this.next = rows.at(-1)!.index + 1;
      }
    } else {
      for await (const rows of this.store.readEntries(this.next, size, BATCH)) {
        for (const r of rows) if (LISTED.has(r.kind)) this.absorb(r.index, JSON.parse(Buffer.from(r.bytes).toString('utf8')) as EntryOf<'run_started'>);
        this.next = rows.at(-1)!.index + 1;
      }
    }
    this.next = Math.max(this.next, size);
  }

  private run(runId: string, index: number, time: string): RunSummary {
    let r = this.runs.get(runId);
    if (!r) {
      r = {
        runId,
        startIndex: index,
        time,
        timeMs: Date.parse(time),
        command: 'gate',
        repository: null,
        head: null,
        base: null,
        pr: null,
        title: null,
        author: null,
        changeHash: null,
        status: null,
        exitCode: null,
        durationMs: null,
        flagged: null,
        zones: [],
        models: new Set(),
        calls: 0,
        tokensIn: 0,
        tokensOut: 0,
      };
      this.runs.set(runId, r);
      this.order.push(r);
    }
    return r;
  }

  // the entries were validated when appended and verify re-checks them; here they are only read
  private absorb(index: number, raw: { kind: string; time: string }): void {
    const e = raw as EntryOf<'run_started' | 'run_finished' | 'gate_decision' | 'llm_call' | 'approval'>;
    switch (e.kind) {
      case 'run_started': {
        const r = this.run(e.run_id, index, e.time);
        r.command = e.command;
        r.repository = e.pr?.repository ?? e.repo ?? null;
        r.head = e.head ?? null;
        r.base = e.base ?? null;
        r.pr = e.pr?.number ?? null;
        r.title = e.pr?.title ?? null;
        r.author = e.author ?? null;
        r.changeHash ??= e.change_hash ?? null;
        return;
      }
      case 'run_finished': {
        const r = this.run(e.run_id, index, e.time);
        r.status = e.status;
        r.exitCode = e.exit_code;
        r.durationMs = e.duration_ms;
        return;
      }
      case 'gate_decision': {
        const r = this.run(e.run_id, index, e.time);
        r.flagged = e.flagged;
        r.zones = e.zones;
        if (e.change_hash) r.changeHash = e.change_hash;
        return;
      }
      case 'llm_call': {
        const r = this.run(e.run_id, index, e.time);
        const model = `${e.provider}/${e.model_returned ?? e.model_requested}`;
        r.models.add(model);
        r.calls++;
        r.tokensIn += e.tokens_in;
        r.tokensOut += e.tokens_out;
        const day = e.time.slice(0, 10);
        const key = `${day}\u0000${model}`;
        let u = this.usage.get(key);
        if (!u) {
          u = { day, model, calls: 0, errors: 0, tokensIn: 0, tokensOut: 0, latencyMs: [] };
          this.usage.set(key, u);
        }
        u.calls++;
        if (e.status !== 'ok') u.errors++;
        u.tokensIn += e.tokens_in;
        u.tokensOut += e.tokens_out;
        u.latencyMs.push(e.latency_ms);
        return;
      }
      case 'approval':
        this.approvals.push({
          index,
          time: e.time,
          reviewer: e.reviewer,
          changeHash: e.change_hash,
          decision: e.decision,
          method: e.method,
          key: e.key_fingerprint ?? null,
          zones: e.zones ?? [],
          runId: e.run_id ?? null,
        });
        return;
    }
  }
}

export interface RunFilter {
  repository?: string;
  /** Inclusive UTC dates YYYY-MM-DD. */
  from?: string;
  to?: string;
  outcome?: string;
  gate?: 'flagged' | 'not-flagged';
  model?: string;
}

/** Newest first, filtered, one page. */
export function listRuns(index: RunIndex, f: RunFilter, page: number, perPage: number): { rows: RunSummary[]; total: number } {
  const fromMs = f.from ? Date.parse(`${f.from}T00:00:00.000Z`) : -Infinity;
  const toMs = f.to ? Date.parse(`${f.to}T23:59:59.999Z`) : Infinity;
  const repo = f.repository?.toLowerCase();
  const model = f.model?.toLowerCase();
  const match = (r: RunSummary): boolean =>
    r.timeMs >= fromMs &&
    r.timeMs <= toMs &&
    (!repo || (r.repository ?? '').toLowerCase().includes(repo)) &&
    (!f.outcome || (f.outcome === 'unfinished' ? r.status === null : r.status === f.outcome)) &&
    (!f.gate || (f.gate === 'flagged' ? r.flagged === true : r.flagged === false)) &&
    (!model || [...r.models].some((m) => m.toLowerCase().includes(model)));
  const rows: RunSummary[] = [];
  let total = 0;
  const skip = page * perPage;
  for (let i = index.order.length - 1; i >= 0; i--) {
    const r = index.order[i]!;
    if (!match(r)) continue;
    if (total >= skip && rows.length < perPage) rows.push(r);
    total++;
  }
  return { rows, total };
}
