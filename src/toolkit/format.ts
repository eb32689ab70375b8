// chapter: 03-rootfs step 3.1
// How the CLI shows things, as docker does: aligned tables, "2 minutes", "1.2MB".
// <chapter 05-lifecycle>
import { printable, RuntimeError } from '../errors.js';
// </chapter 05-lifecycle>

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('') + '\n').join('');
}

/** go-units' HumanDuration, which docker's CREATED column uses */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (s < 1) return 'Less than a second';
  if (s < 60) return plural(s, 'second');
  const min = Math.floor(s / 60);
  if (min === 1) return 'About a minute';
  if (min < 46) return plural(min, 'minute');
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return plural(h, 'hour');
  if (h < 24 * 7 * 2) return plural(Math.floor(h / 24), 'day');
  if (h < 24 * 30 * 2) return plural(Math.floor(h / 24 / 7), 'week');
  if (h < 24 * 365 * 2) return plural(Math.floor(h / 24 / 30), 'month');
  return plural(Math.floor(h / 24 / 365), 'year');
}

/** go-units' HumanSizeWithPrecision(size, precision): decimal units, 3 significant digits (images' SIZE), 4 (HumanSize: prune's total) */
export function humanSize(bytes: number, precision = 3): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let n = bytes;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(precision))}${units[i]}`;
}

/** one item of a command over many (rm a b …): done, with what it gave, or why not; the command goes on with the next */
export interface Outcome<T = undefined> {
  ref: string;
  value?: T;
  error?: Error;
}
// <chapter 05-lifecycle>

/**
 * the printer of a command over many, as each item ends: its line on stdout, or its
 * failure's on stderr; the status is the last failure's. An error the items throw
 * (the command stops there) goes to the front door once the lines before it are out.
 */
export async function printEach<T>(outcomes: AsyncIterable<Outcome<T>> | Iterable<Outcome<T>>, line: (o: Outcome<T>) => string = (o) => `${o.ref}\n`): Promise<number> {
  let status = 0;
  for await (const o of outcomes) {
    if (o.error) {
      process.stderr.write(`mydocker: ${printable(o.error.message)}\n`);
      status = o.error instanceof RuntimeError ? o.error.status : 125;
    } else {
      const text = line(o);
      if (text) process.stdout.write(text);
    }
  }
  return status;
}
// </chapter 05-lifecycle>
