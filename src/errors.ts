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
