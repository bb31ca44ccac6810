import { UsageError } from '../../domain/errors.js';

/** A half-open UTC period [from, to) as epoch ms plus how it was asked for. */
export interface Period {
  fromMs: number;
  toMs: number;
  /** The query parameters exactly as they go into the manifest. */
  query: { week: string } | { from: string; to: string };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** ISO-8601 week `YYYY-Www`: Monday 00:00 UTC of that week to the next Monday. */
export function isoWeekPeriod(week: string): Period {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) throw new UsageError(`--week "${week}" is not an ISO week like 2026-W47`);
  const year = Number(m[1]);
  const w = Number(m[2]);
  // Week 1 is the week with the year's first Thursday, i.e. the one containing January 4th.
  const jan4 = Date.UTC(year, 0, 4);
  const jan4Dow = (new Date(jan4).getUTCDay() + 6) % 7; // Monday = 0
  const week1Monday = jan4 - jan4Dow * 86_400_000;
  const weeksInYear = isoWeeksInYear(year);
  if (w < 1 || w > weeksInYear) throw new UsageError(`--week "${week}": ${year} has weeks 01..${weeksInYear}`);
  const fromMs = week1Monday + (w - 1) * 7 * 86_400_000;
  return { fromMs, toMs: fromMs + 7 * 86_400_000, query: { week } };
}

function isoWeeksInYear(year: number): number {
  // A year has 53 weeks when Jan 1 is a Thursday, or a Wednesday in a leap year.
  const dow = new Date(Date.UTC(year, 0, 1)).getUTCDay();
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return dow === 4 || (leap && dow === 3) ? 53 : 52;
}

/** `--from DATE --to DATE`: dates (YYYY-MM-DD, midnight UTC) or full UTC times; `to` is exclusive. */
export function rangePeriod(from: string, to: string): Period {
  const parse = (flag: string, s: string): number => {
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s);
    const full = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/.test(s);
    const ms = dateOnly ? Date.parse(s + 'T00:00:00.000Z') : full ? Date.parse(s) : NaN;
    if (Number.isNaN(ms)) throw new UsageError(`--${flag} "${s}" is not a UTC date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM[:SS]Z)`);
    if (dateOnly && iso(ms).slice(0, 10) !== s) throw new UsageError(`--${flag} "${s}" is not a calendar date`);
    return ms;
  };
  const fromMs = parse('from', from);
  const toMs = parse('to', to);
  if (toMs <= fromMs) throw new UsageError(`--to ${to} must be after --from ${from}`);
  return { fromMs, toMs, query: { from: iso(fromMs), to: iso(toMs) } };
}

export function periodLabel(p: Period): { from: string; to: string } {
  return { from: iso(p.fromMs), to: iso(p.toMs) };
}
