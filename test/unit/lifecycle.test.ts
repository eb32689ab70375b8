// Unit tests (no root): the times logs --since/--until read, and signal names.
import t from 'tap';
import { parseTimestamp } from '../../src/lifecycle/since.js';
import { signalNumber } from '../../src/lifecycle/signame.js';

t.test('logs --since: Go durations, Unix times, RFC 3339 whole or cut short', async (t) => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  const at = (v: string) => parseTimestamp(v, '--since', now);
  t.equal(at('10m'), now - 600_000);
  t.equal(at('1h30m'), now - 5_400_000);
  t.equal(at('1.5s'), now - 1500);
  t.equal(at('250ms'), now - 250);
  t.equal(at('1700000000'), 1_700_000_000_000, 'Unix seconds');
  t.equal(at('1700000000.25'), 1_700_000_000_250, 'with a fraction');
  t.equal(at('2026-06-01T11:00:00Z'), now - 3_600_000);
  t.equal(at('2026-06-01T11:00:00.123456789Z'), now - 3_600_000 + 123, 'nanoseconds: milliseconds kept');
  t.equal(at('2026-06-01T13:00:00+02:00'), now - 3_600_000, 'an offset');
  t.equal(at('2026-06-01'), new Date(2026, 5, 1).getTime(), 'a date without a zone: local midnight');
  t.equal(at('2026-06-01T11:30'), new Date(2026, 5, 1, 11, 30).getTime(), 'minutes without a zone: local');
  for (const bad of ['yesterday', '10x', '2026-13-01', '', 'm']) {
    t.throws(() => at(bad), { message: /invalid value/ }, `"${bad}" is refused`);
  }
});

t.test('signals by name or number', async (t) => {
  t.equal(signalNumber('KILL'), 9);
  t.equal(signalNumber('sigterm'), 15);
  t.equal(signalNumber('SIGUSR1'), 10);
  t.equal(signalNumber('12'), 12);
  for (const bad of ['NOPE', '0', '65']) t.throws(() => signalNumber(bad), { message: /^Invalid signal: / });
});
