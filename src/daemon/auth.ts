// chapter: 09-daemon
// The client's registry credentials: the docker CLI sends what `docker login` stored
// in its own config as the X-Registry-Auth header of a pull or a push.
import { RuntimeError } from '../errors.js';
import type { Credentials } from '../image/registry/credentials.js';
import type { Call } from './router.js';

/** X-Registry-Auth: base64(url) of {"username","password","serveraddress"}; none, or no user: undefined */
export function registryAuth(call: Call): Credentials | undefined {
  const header = call.req.headers['x-registry-auth'];
  if (typeof header !== 'string' || !header) return undefined;
  let auth: { username?: unknown; password?: unknown };
  try {
    auth = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    throw new RuntimeError('invalid X-Registry-Auth header: not base64 of a JSON object', 'usage');
  }
  if (typeof auth?.username !== 'string' || !auth.username) return undefined;
  return { username: auth.username, password: typeof auth.password === 'string' ? auth.password : '' };
}

