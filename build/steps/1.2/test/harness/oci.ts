// What the chapter 08 tests share: running mydocker-runc (or a learner's runc-compatible
// binary, MYDOCKER_RUNC) the way containerd and the validation suite run it.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MYDOCKER } from './index.js';

/** the runtime under test: MYDOCKER_RUNC, else mydocker-runc next to the mydocker being tested */
export const RUNC = resolve(process.env.MYDOCKER_RUNC ?? join(dirname(MYDOCKER), 'mydocker-runc'));

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** the files' common prefix: OUT.stdout, OUT.stderr */
  out: string;
}

/**
 * RUNC --root ROOT ARGS, its stdout and stderr in files OUT.stdout and OUT.stderr: after
 * create the container keeps them (a pipe would stay open), so only the runtime's own
 * exit is awaited (killed after 30 s). input, if given, is its stdin; env, its environment.
 */
export function runcIn(root: string, out: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<Ran> {
  const o = openSync(`${out}.stdout`, 'w');
  const e = openSync(`${out}.stderr`, 'w');
  return new Promise((res, rej) => {
    const child = spawn(RUNC, ['--root', root, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', o, e], env: env ?? process.env });
    if (input !== undefined) child.stdin!.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', rej);
    child.on('exit', (code) => {
      clearTimeout(timer);
      closeSync(o);
      closeSync(e);
      res({ code, stdout: readFileSync(`${out}.stdout`, 'utf8'), stderr: readFileSync(`${out}.stderr`, 'utf8'), out });
    });
  });
}
