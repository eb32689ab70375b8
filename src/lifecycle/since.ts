// chapter: 05-lifecycle step 5.4
// The times `logs --since` and `--until` accept, as docker's (timetypes.GetTimestamp):
// a duration back from now in Go's syntax ("10m", "1h30m", "1.5s"), a Unix time
// ("1700000000", "1700000000.5"), or an RFC 3339 date, whole or cut short
// ("2026-12-01", "2026-12-01T10:00", "2026-12-01T10:00:00.5Z"; no zone: local time).
import { UsageError } from '../toolkit/args.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** the time value names, in milliseconds since the epoch */
export function parseTimestamp(value: string, flag: string, now = Date.now()): number {
  if (/^(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*$/.test(value)) {
    let ms = 0;
    for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * UNIT_MS[unit];
    return now - ms;
  }
  if (/^\d+(\.\d+)?$/.test(value)) return Math.floor(Number(value) * 1000);
  const m = /^(\d{4}-\d\d-\d\d)(T\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:\d\d)?$/.exec(value);
  if (m) {
    const [, date, time = 'T00:00', , , zone = ''] = m;
    const t = Date.parse(`${date}${time.length === 6 ? `${time}:00` : time}${zone}`); // no zone: ECMAScript reads it as local time, as docker does
    if (!Number.isNaN(t)) return t;
  }
  throw new UsageError(`invalid value "${value}" for ${flag}: a duration (10m), a Unix time or an RFC 3339 date`);
}
