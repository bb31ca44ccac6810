/**
 * The stage scheduler: a stage starts as soon as all its dependencies are done (up to
 * `maxParallel` at once); per-stage and whole-run deadlines; a failed or timed-out stage marks
 * its dependents "not run" with the reason. I/O-free: stages are executed by a callback, so the
 * same core drives sandboxed workers and unit tests.
 */

export type StageStatus = 'done' | 'failed' | 'timed_out' | 'not_run';

export interface ScheduledStage {
  name: string;
  dependsOn: readonly string[];
  timeoutMs: number;
}

export interface StageOutcome<T> {
  name: string;
  status: StageStatus;
  /** Why the stage failed, timed out or did not run. */
  reason?: string;
  output?: T;
  /** ms since the epoch; absent for stages that never started. */
  startedAt?: number;
  finishedAt?: number;
}

export interface ScheduleOptions<T> {
  stages: readonly ScheduledStage[];
  maxParallel: number;
  /** Whole-run deadline in ms from the call. */
  runTimeoutMs: number;
  /** Stages that must not run, with the reason (e.g. no provider configured). */
  blocked?: ReadonlyMap<string, string>;
  /**
   * Runs one stage with the outputs of its dependencies. Must stop promptly when `signal`
   * aborts (the scheduler does not wait for it, but a worker left running wastes the box).
   */
  execute(name: string, upstream: ReadonlyMap<string, T>, signal: AbortSignal): Promise<T>;
  /** Cancels the run: running stages are aborted and fail, the rest do not run. */
  signal?: AbortSignal;
  onStart?(name: string): void;
  onFinish?(outcome: StageOutcome<T>): void;
  now?: () => number;
}

class Deadline extends Error {}

export async function runSchedule<T>(opts: ScheduleOptions<T>): Promise<StageOutcome<T>[]> {
  const now = opts.now ?? Date.now;
  const outcomes = new Map<string, StageOutcome<T>>();
  const running = new Map<string, { ctrl: AbortController; settle: (o: StageOutcome<T>) => void }>();
  const byName = new Map(opts.stages.map((s) => [s.name, s]));
  const maxParallel = Math.max(1, opts.maxParallel);
  let runExpired = false;
  let cancelled = false;

  const finish = (o: StageOutcome<T>): void => {
    if (outcomes.has(o.name)) return;
    outcomes.set(o.name, o);
    opts.onFinish?.(o);
  };

  for (const [name, reason] of opts.blocked ?? []) {
    if (byName.has(name)) finish({ name, status: 'not_run', reason });
  }

  return new Promise<StageOutcome<T>[]>((resolve) => {
    const runTimer = setTimeout(() => {
      runExpired = true;
      for (const [name, r] of running) {
        r.ctrl.abort(new Deadline('run deadline'));
        r.settle({ name, status: 'timed_out', reason: `run deadline of ${opts.runTimeoutMs} ms reached`, startedAt: undefined, finishedAt: now() });
      }
      pump();
    }, opts.runTimeoutMs);

    const onCancel = (): void => {
      cancelled = true;
      for (const [name, r] of running) {
        r.ctrl.abort(new Error('run cancelled'));
        r.settle({ name, status: 'failed', reason: 'run cancelled', finishedAt: now() });
      }
      pump();
    };
    opts.signal?.addEventListener('abort', onCancel, { once: true });

    const pump = (): void => {
      // propagate failures to dependents, in declaration order until nothing changes
      let changed = true;
      while (changed) {
        changed = false;
        for (const s of opts.stages) {
          if (outcomes.has(s.name) || running.has(s.name)) continue;
          const bad = s.dependsOn.map((d) => outcomes.get(d)).find((o) => o && o.status !== 'done');
          if (bad) {
            finish({
              name: s.name,
              status: 'not_run',
              reason: `dependency "${bad.name}" ${bad.status === 'not_run' ? 'did not run' : bad.status === 'timed_out' ? 'timed out' : 'failed'}`,
            });
            changed = true;
          } else if (runExpired || cancelled) {
            finish({ name: s.name, status: 'not_run', reason: cancelled ? 'run cancelled' : `run deadline of ${opts.runTimeoutMs} ms reached` });
            changed = true;
          }
        }
      }
      for (const s of opts.stages) {
        if (running.size >= maxParallel) break;
        if (outcomes.has(s.name) || running.has(s.name)) continue;
        if (s.dependsOn.every((d) => outcomes.get(d)?.status === 'done')) start(s);
      }
      if (outcomes.size === opts.stages.length && running.size === 0) {
        clearTimeout(runTimer);
        opts.signal?.removeEventListener('abort', onCancel);
        resolve(opts.stages.map((s) => outcomes.get(s.name)!));
      }
    };

    const start = (s: ScheduledStage): void => {
      const ctrl = new AbortController();
      const startedAt = now();
      let settled = false;
      const settle = (o: StageOutcome<T>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(stageTimer);
        running.delete(s.name);
        finish({ ...o, startedAt, finishedAt: o.finishedAt ?? now() });
        // later in the same tick: let every synchronous settle land before scheduling
        queueMicrotask(pump);
      };
      running.set(s.name, { ctrl, settle });
      const stageTimer = setTimeout(() => {
        ctrl.abort(new Deadline('stage deadline'));
        settle({ name: s.name, status: 'timed_out', reason: `stage deadline of ${s.timeoutMs} ms reached` });
      }, s.timeoutMs);
      opts.onStart?.(s.name);
      const upstream = new Map<string, T>();
      for (const d of s.dependsOn) upstream.set(d, outcomes.get(d)!.output as T);
      let p: Promise<T>;
      try {
        p = opts.execute(s.name, upstream, ctrl.signal);
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        (output) => settle({ name: s.name, status: 'done', output }),
        (err: unknown) => settle({ name: s.name, status: 'failed', reason: err instanceof Error ? err.message : String(err) }),
      );
    };

    if (opts.signal?.aborted) onCancel();
    else pump();
  });
}
