// chapter: 01-namespaces step 1.2
// The container's init: the CLI re-executes the node binary (/proc/self/exe) on
// this file, as the first process of new PID, mount, UTS, IPC and network
// namespaces. It reads its InitSpec from fd 3, runs its steps (src/init-steps.ts)
// from the inside, waits for the CLI's "go" and then execve's the user's command,
// which takes over PID 1.
// Keep imports light: this file is on the start-up path of every container.
// <step 1.4>
const { accessSync, constants, statSync } = process.getBuiltinModule('node:fs');
// </step 1.4>
import { readSpec, report, SPEC_FD, waitForGo } from './container/init-io.js';
import { initSteps } from './init-steps.js';
import { ALL_FDS, CLOSE_RANGE_CLOEXEC, native } from './native.js';

class InitError extends Error {
  constructor(
    message: string,
    readonly code = 125,
  ) {
    super(message);
  }
}

// <step 1.4>
/** execve's lookup, with docker's exit codes: 127 not found, 126 not executable */
function resolveCommand(file: string, env: string[]): string {
  if (file.includes('/')) return file;
  const path = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '';
  for (const dir of path.split(':')) {
    const candidate = `${dir || '.'}/${file}`;
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here: keep looking
    }
  }
  throw new InitError(`exec: "${file}": executable file not found in $PATH`, 127);
}

function execFailure(file: string, e: NodeJS.ErrnoException): InitError {
  if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return new InitError(`exec: "${file}": no such file or directory`, 127);
  if (e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'EPERM') return new InitError(`exec: "${file}": permission denied`, 126);
  if (e.code === 'ENOEXEC') return new InitError(`exec: "${file}": exec format error`, 126);
  return new InitError(`exec: "${file}": ${e.message}`, 126);
}
// </step 1.4>

function main(): void {
  const booted = performance.now(); // ms since this process started: node and imports
  // the init never exits (it execve's), so Node would never write what it compiled:
  // write it now, while the cache's directory is still in reach (before pivot_root)
  if (process.env.NODE_COMPILE_CACHE) process.getBuiltinModule('node:module').flushCompileCache();
  const { spec, goSent } = readSpec(); // the CLI may still be preparing: it started us first
  const specWait = performance.now() - booted;
  for (const step of initSteps) step.setup?.(spec);
  try {
    process.chdir(spec.cwd);
  } catch {
    throw new InitError(`cannot change to working directory ${spec.cwd}: no such directory`, 126);
  }
  // <replaced-by 1.4>
  //~ const file = spec.args[0]; // step 1.4 looks a bare name up in PATH, with docker's 126 and 127
  // </replaced-by 1.4>
  // <step 1.4>
  const file = resolveCommand(spec.args[0], spec.env);
  // </step 1.4>
  const ready = performance.now();
  waitForGo(goSent);
  const waited = performance.now() - ready + specWait;
  // every fd but stdio closes at exec; the report pipe's close tells the CLI "started".
  // Marked before the last steps: a seccomp filter may refuse close_range once loaded
  native.closeRange(SPEC_FD, ALL_FDS, CLOSE_RANGE_CLOEXEC);
  for (const step of initSteps) step.beforeExec?.(spec);
  report({ exec: true, ms: Math.round(performance.now() - waited), booted: Math.round(booted), specWait: Math.round(specWait) });
  native.resetForExec(); // Node's signal handlers and non-blocking stdio stay behind
  try {
    native.execve(file, spec.args, spec.env);
  } catch (e) {
    // <replaced-by 1.4>
    //~ throw new InitError(`exec: "${file}": ${(e as Error).message}`);
    // </replaced-by 1.4>
    // <step 1.4>
    throw execFailure(spec.args[0], e as NodeJS.ErrnoException);
    // </step 1.4>
  }
}

try {
  main();
} catch (e) {
  const code = e instanceof InitError ? e.code : 125;
  try {
    report({ error: (e as Error).message, code });
  } catch {
    // the CLI is gone; nobody to tell
  }
  // not process.exit: Node's exit tears down libuv, whose io_uring the container's
  // seccomp filter refuses (libuv would print that as a second line); nothing is left to flush
  native.exitNow(code);
}
