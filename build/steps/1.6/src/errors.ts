/**
 * What went wrong, as each front door answers it: the command line's exit status and,
 * for the daemon (chapter 09), the HTTP status dockerd gives the same failure.
 */
export const ERROR_KINDS = {
  usage: { exit: 125, http: 400 }, // a bad flag or value (dockerd: invalid parameter)
  notFound: { exit: 125, http: 404 }, // no such container, image, network
  conflict: { exit: 125, http: 409 }, // a name in use, a container still running
  runtime: { exit: 125, http: 500 }, // mydocker or the kernel failed
  cannotRun: { exit: 126, http: 400 }, // the command cannot be executed
  commandNotFound: { exit: 127, http: 400 }, // the command was not found
} as const;

type ErrorKind = keyof typeof ERROR_KINDS;

/** An error the user caused or mydocker hit: one line on stderr, and its kind's exit status. */
export class RuntimeError extends Error {
  readonly kind: ErrorKind;
  /** what failed while the first failure was being undone (cleanup): kept beside it, never in its place */
  undoErrors?: Error[];

  /** kind, or the exit status of one (the init reports 126 or 127); options.cause: the error this one explains */
  constructor(message: string, kind: ErrorKind | number = 'runtime', options?: ErrorOptions) {
    super(message, options);
    this.kind = typeof kind === 'string' ? kind : kind === 126 ? 'cannotRun' : kind === 127 ? 'commandNotFound' : 'runtime';
  }

  get status(): number {
    return ERROR_KINDS[this.kind].exit;
  }
}

/**
 * -D: what lies under an error, one line each after its own line: its causes
 * (`caused by: …`), then what failed while undoing (`undo failed: …`, with theirs).
 */
export function causeLines(e: unknown, depth = 0): string[] {
  if (!(e instanceof Error) || depth > 8) return [];
  const lines: string[] = [];
  for (let c: unknown = e.cause, n = 0; c !== undefined && n < 8; c = c instanceof Error ? c.cause : undefined, n++) {
    lines.push(`caused by: ${printable(c instanceof Error ? c.message : String(c))}`);
  }
  for (const u of (e as RuntimeError).undoErrors ?? []) lines.push(`undo failed: ${printable(u.message)}`, ...causeLines(u, depth + 1));
  return lines;
}

/**
 * A message as one printable line: what the user typed comes back in errors (a name,
 * an image), and a newline or an escape sequence in it must neither split the line
 * nor drive the terminal. Control characters are shown as \n, \r, \t or \xNN.
 */
export function printable(text: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
