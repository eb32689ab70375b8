// chapter: 01-namespaces step 1.2
// What the CLI hands to the container's init over fd 3: everything the init needs
// to turn itself into the container, as plain JSON. The init imports only the
// type of this file, so nothing here runs in the container's start-up path.
// Later chapters add their own fields (`declare module` in their folder).

export interface InitSpec {
  hostname: string;
  /** argv of the user's command; args[0] is a path, or a name looked up in PATH */
  args: string[];
  env: string[];
  cwd: string;
  /** -t: the init makes a terminal for the command */
  tty: boolean;
}

/** init → CLI over fd 4, one JSON object a line */
export interface InitMessage {
  /** with -t: the fd number of the terminal's master side in the init (the CLI takes a copy) */
  pty?: number;
  /** sent right before execve */
  exec?: true;
  /** with exec: the init's own time from its process start, without waiting for "go" (ms) */
  ms?: number;
  /** with exec: when the init was ready for its spec, and how long it then waited for it (ms from its start) */
  booted?: number;
  specWait?: number;
  /** the init gave up: this message, this exit status */
  error?: string;
  code?: number;
}
