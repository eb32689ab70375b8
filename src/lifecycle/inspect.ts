// chapter: 05-lifecycle step 5.1
// inspect: docker's JSON shape for the fields mydocker has, and -f with the part of
// Go's templates scripts use: {{.State.Status}}, {{json .Config}}.
import { join } from 'node:path';
import { containerDir } from '../container/store.js';
import { RuntimeError } from '../errors.js';
import { getContainer, isRunning, type Container } from './containers.js';
// <step 6.1>
import { networkSettings } from '../network/inspect.js';
// </step 6.1>

const ZERO_TIME = '0001-01-01T00:00:00Z';

function dockerShape(root: string, { config: c, state: s }: Container): Record<string, unknown> {
  const running = isRunning(s);
  return {
    Id: c.id,
    Created: c.created,
    Path: c.args[0] ?? '',
    Args: c.args.slice(1),
    State: {
      Status: running ? 'running' : s.status,
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: s.oomKilled === true, // the kernel's count, read when it ended (chapter 02's step, or the monitor)
      Dead: false,
      Pid: running ? s.pid : 0,
      ExitCode: s.exitCode ?? 0,
      Error: s.error ?? '',
      StartedAt: s.startedAt ?? ZERO_TIME,
      FinishedAt: s.finishedAt ?? ZERO_TIME,
    },
    Image: c.image ?? '',
    LogPath: join(containerDir(root, c.id), 'container.log'),
    Name: `/${c.name}`,
    RestartCount: 0,
    HostConfig: { AutoRemove: c.autoRemove, Binds: c.volumes },
    Config: {
      Hostname: c.hostname,
      Tty: c.tty,
      OpenStdin: c.interactive,
      Env: c.env,
      Cmd: c.args,
      Image: c.imageRef ?? '',
      WorkingDir: c.cwd,
    },
    // <step 6.1>
    NetworkSettings: networkSettings(s.network, running),
    // </step 6.1>
  };
}

/** {{.A.B}} and {{json .A}}: a field path, printed as Go's text/template would (objects as JSON) */
function formatTemplate(template: string, value: unknown): string {
  return template.replace(/\{\{\s*(json\s+)?\.([\w.]*)\s*\}\}/g, (_, json: string | undefined, path: string) => {
    let v: unknown = value;
    for (const key of path.split('.').filter(Boolean)) {
      if (v === null || typeof v !== 'object' || !(key in v)) throw new RuntimeError(`template: can't evaluate field ${key}`);
      v = (v as Record<string, unknown>)[key];
    }
    return json || (typeof v === 'object' && v !== null) ? JSON.stringify(v) : String(v);
  });
}

/** inspect: each container in docker's JSON shape (what the daemon's GET /containers/{id}/json serves too) */
export function inspectContainers(root: string, refs: string[]): Record<string, unknown>[] {
  return refs.map((ref) => dockerShape(root, getContainer(root, ref)));
}

/** inspect's printer: the JSON array, or -f's template once per container */
function printInspect(all: Record<string, unknown>[], format?: string): void {
  if (format !== undefined) process.stdout.write(all.map((c) => `${formatTemplate(format, c)}\n`).join(''));
  else process.stdout.write(`${JSON.stringify(all, null, 4)}\n`);
}

export function inspectCommand(root: string, refs: string[], format?: string): number {
  printInspect(inspectContainers(root, refs), format);
  return 0;
}
