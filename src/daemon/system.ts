// chapter: 09-daemon
// The system endpoints: /_ping (a client learns the API version here), /version
// and /info, in dockerd's shapes (the docker CLI's `version` and `info` print them).
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { allContainers } from '../lifecycle/containers.js';
import { isRunning } from '../lifecycle/containers.js';
import { openImageStore } from '../image/store.js';
import { open, reply, type Route } from './router.js';
import { API_VERSION, ENGINE_VERSION, MIN_API_VERSION } from './version.js';

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

export function systemRoutes(root: string): Route[] {
  return [
    {
      method: 'GET',
      path: '/_ping',
      handler(call) {
        const out = open(call, 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache' });
        if (call.method !== 'HEAD') out.write('OK');
        out.end();
      },
    },
    {
      method: 'GET',
      path: '/version',
      handler: (call) =>
        reply(call, 200, {
          Platform: { Name: 'mydocker' },
          Components: [{ Name: 'Engine', Version: ENGINE_VERSION, Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: GO_ARCH[arch()] ?? arch() } }],
          Version: ENGINE_VERSION,
          ApiVersion: API_VERSION,
          MinAPIVersion: MIN_API_VERSION,
          Os: 'linux',
          Arch: GO_ARCH[arch()] ?? arch(),
          KernelVersion: release(),
          GoVersion: `node${process.versions.node}`,
          GitCommit: 'mydocker',
          BuildTime: '',
        }),
    },
    {
      method: 'GET',
      path: '/info',
      handler(call) {
        const containers = allContainers(root);
        const running = containers.filter((c) => isRunning(c.state)).length;
        const stopped = containers.filter((c) => !isRunning(c.state)).length;
        reply(call, 200, {
          ID: 'mydocker',
          Containers: containers.length,
          ContainersRunning: running,
          ContainersPaused: 0,
          ContainersStopped: stopped,
          Images: openImageStore(root).list().length,
          Driver: 'overlay',
          DockerRootDir: resolve(root),
          LoggingDriver: 'json-file',
          CgroupDriver: 'cgroupfs',
          KernelVersion: release(),
          OperatingSystem: 'mydocker',
          OSType: 'linux',
          Architecture: arch() === 'x64' ? 'x86_64' : arch(),
          NCPU: cpus().length,
          MemTotal: totalmem(),
          Name: hostname(),
          ServerVersion: ENGINE_VERSION,
          DefaultRuntime: 'mydocker',
          Runtimes: { mydocker: { path: 'mydocker-monitor' } },
          SecurityOptions: ['name=seccomp,profile=default'],
          Swarm: { LocalNodeState: 'inactive' },
          Warnings: [],
        });
      },
    },
    // later slices
    { method: 'GET', path: '/system/df' },
  ];
}
