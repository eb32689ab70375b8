// chapter: 09-daemon
// API versions, as dockerd negotiates them. Every path may start with /vX.Y/; a
// client older than MIN or newer than MAX is refused (400). `/_ping` tells a client
// the daemon's version in its API-Version header, and a newer client (docker 28 speaks
// 1.50) talks down to it from then on.
import { RuntimeError } from '../errors.js';

/** the Engine API this daemon speaks: dockerd 20.10's */
export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.12';
export const ENGINE_VERSION = '20.10.24-mydocker';

const parts = (v: string) => v.split('.').map(Number);
const compare = (a: string, b: string) => {
  const [x, y] = [parts(a), parts(b)];
  return x[0] - y[0] || x[1] - y[1];
};

/** split /vX.Y/rest into the version (the daemon's when none) and the rest; refuse one out of range */
export function splitVersion(path: string): { version: string; path: string } {
  const m = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
  if (!m) return { version: API_VERSION, path };
  const version = m[1];
  if (compare(version, API_VERSION) > 0) throw new RuntimeError(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`, 'usage');
  if (compare(version, MIN_API_VERSION) < 0)
    throw new RuntimeError(`client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`, 'usage');
  return { version, path: m[2] };
}

/** the headers dockerd puts on every answer */
export const VERSION_HEADERS = {
  'Api-Version': API_VERSION,
  'Docker-Experimental': 'false',
  Ostype: 'linux',
  Server: `Docker/${ENGINE_VERSION} (linux)`,
};
