// chapter: 01-namespaces
/** An error the user caused or mydocker hit: one line on stderr, and this exit status. */
export class RuntimeError extends Error {
  constructor(
    message: string,
    readonly status = 125,
  ) {
    super(message);
  }
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
