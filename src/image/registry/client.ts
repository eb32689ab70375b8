// chapter: 07-images
// A session with one registry (the distribution API, /v2/): find out how it wants
// to be spoken to (ping), authenticate as its WWW-Authenticate challenge says, and
// make requests on a repository with the right credentials.
//   Basic  — the user's stored password on every request;
//   Bearer — a token from the challenge's realm for service + scope
//            ("repository:library/busybox:pull"), anonymous when there are no
//            credentials, cached per scope, fetched again when refused.
// Redirects (blob storage elsewhere) are followed here, and the registry's
// Authorization header never goes to another host.
import { RuntimeError } from '../../errors.js';
import { log } from '../../log.js';
import { credentialsFor, type Credentials } from './credentials.js';
import { allowsPlainHttp, apiHost, isCertificateError, trustCAs } from './endpoint.js';
import { send, type HttpInit, type HttpResponse } from './http.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** parse a WWW-Authenticate header: `Bearer realm="…",service="…",scope="…"` */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = m[2];
  for (let p = re.exec(rest); p; p = re.exec(rest)) params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  return { scheme: m[1].toLowerCase(), params };
}

/** a registry's error body ({"errors":[{code,message}]}) in docker's words: "manifest unknown: manifest unknown" */
export async function registryError(res: HttpResponse, what: string): Promise<RuntimeError> {
  let detail = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.text()).slice(0, 4096);
    const errors = (JSON.parse(body) as { errors?: { code?: string; message?: string }[] }).errors;
    if (errors?.length) detail = errors.map((e) => `${(e.code ?? 'unknown').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`).join(', ');
  } catch {
    // not JSON: the status line says it
  }
  return new RuntimeError(`Error response from registry: ${what}${what ? ': ' : ''}${detail}`);
}

const MAX_REDIRECTS = 10;

export class Registry {
  readonly host: string;
  private base?: string;
  private challenge?: Challenge;
  private readonly tokens = new Map<string, string>();
  private readonly credentials?: Credentials;

  constructor(
    readonly domain: string,
    credentials?: Credentials,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.host = apiHost(domain);
    this.credentials = credentials ?? credentialsFor(domain, env);
  }

  /** GET /v2/: which scheme answers, and which challenge (if any) it sends */
  async ping(): Promise<string> {
    if (this.base) return this.base;
    trustCAs(false, this.env);
    let res: HttpResponse;
    try {
      res = await this.fetchFollow(`https://${this.host}/v2/`, {}, false);
      this.base = `https://${this.host}`;
    } catch (e) {
      if (isCertificateError(e) || !allowsPlainHttp(this.host, this.env.MYDOCKER_INSECURE_REGISTRIES)) throw netError('GET', `https://${this.host}/v2/`, e);
      log.debug(`${this.host}: no HTTPS (${(e as Error).message}), trying plain HTTP`);
      res = await this.fetchFollow(`http://${this.host}/v2/`, {});
      this.base = `http://${this.host}`;
    }
    res.discard();
    if (res.status === 401) {
      const header = res.headers.get('www-authenticate');
      this.challenge = header ? parseChallenge(header) : undefined;
    } else if (!res.ok && res.status !== 404) {
      throw await registryError(res, `ping ${this.base}/v2/`);
    }
    return this.base;
  }

  /** `login`: the stored-to-be credentials work for this registry (a token or a 200 with Basic) */
  async checkLogin(): Promise<void> {
    const base = await this.ping();
    if (!this.challenge) return; // no authentication at all
    const res = await this.fetchFollow(`${base}/v2/`, { headers: await this.authorization('') });
    res.discard();
    if (!res.ok) throw new RuntimeError(`Error response from registry: login attempt to ${base}/v2/ failed with status: ${res.status} ${res.statusText}`);
  }

  /**
   * a request on the API (path after /v2/) with the credentials scope asks for
   * ("repository:NAME:pull"); a refused token is fetched once more
   */
  async request(path: string, scope: string, init: HttpInit = {}): Promise<HttpResponse> {
    const base = await this.ping();
    const url = /^https?:/.test(path) ? path : `${base}/v2/${path}`;
    let res = await this.fetchFollow(url, { ...init, headers: { ...init.headers, ...(await this.authorization(scope)) } });
    if (res.status === 401 && this.challenge?.scheme === 'bearer') {
      res.discard();
      this.tokens.delete(scope);
      const header = res.headers.get('www-authenticate');
      const fresh = header ? parseChallenge(header) : undefined;
      const wanted = fresh?.params.scope ?? scope;
      res = await this.fetchFollow(url, { ...init, headers: { ...init.headers, ...(await this.authorization(wanted)) } });
    }
    return res;
  }

  private async authorization(scope: string): Promise<Record<string, string>> {
    const c = this.challenge;
    if (!c) return {};
    if (c.scheme === 'basic') {
      if (!this.credentials) return {};
      return { Authorization: `Basic ${basic(this.credentials)}` };
    }
    if (c.scheme !== 'bearer') throw new RuntimeError(`Error response from registry: ${this.host} asks for "${c.scheme}" authentication, which mydocker does not speak`);
    let token = this.tokens.get(scope);
    if (!token) {
      token = await this.fetchToken(c, scope);
      this.tokens.set(scope, token);
    }
    return { Authorization: `Bearer ${token}` };
  }

  /** the token endpoint (realm): GET ?service=…&scope=…, with the user's password if there is one */
  private async fetchToken(c: Challenge, scope: string): Promise<string> {
    const realm = c.params.realm;
    if (!realm) throw new RuntimeError(`Error response from registry: ${this.host}: a Bearer challenge without a realm`);
    const url = new URL(realm);
    if (url.protocol === 'http:' && !allowsPlainHttp(url.host, this.env.MYDOCKER_INSECURE_REGISTRIES)) {
      throw new RuntimeError(`Error response from registry: refusing to send credentials to the token server ${url.origin} over plain HTTP`);
    }
    if (c.params.service) url.searchParams.set('service', c.params.service);
    if (scope) for (const s of scope.split(' ')) url.searchParams.append('scope', s);
    const headers: Record<string, string> = this.credentials ? { Authorization: `Basic ${basic(this.credentials)}` } : {};
    const res = await this.fetchFollow(url.href, { headers });
    if (!res.ok) {
      if (res.status === 401) {
        res.discard();
        throw new RuntimeError(`Error response from registry: ${this.credentials ? 'unauthorized: incorrect username or password' : 'unauthorized: authentication required'}`);
      }
      throw await registryError(res, `getting a token from ${url.origin}${url.pathname}`);
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RuntimeError(`Error response from registry: the token server ${url.origin} sent no token`);
    return token;
  }

  /**
   * a request, following redirects by hand: a redirect to another origin (blob storage)
   * goes without the Authorization header, which is only for this registry.
   * Network errors become one line naming the request, as docker's do.
   */
  private async fetchFollow(url: string, init: HttpInit, wrap = true): Promise<HttpResponse> {
    let headers = { ...init.headers };
    let method = init.method ?? 'GET';
    let body = init.body;
    const origin = new URL(url).origin;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      let res: HttpResponse;
      try {
        res = await send(url, { method, headers, body });
      } catch (e) {
        const cause = e as Error & { code?: string };
        // not verified by Node's CAs (and the user's): once more with the system's store too
        if (isCertificateError(cause) && trustCAs(true, this.env)) {
          hop--;
          continue;
        }
        if (!wrap) throw cause;
        throw netError(method, url, cause);
      }
      const location = res.headers.get('location');
      if (![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
      res.discard();
      const next = new URL(location, url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new RuntimeError(`Error response from registry: a redirect to ${next.protocol} is not followed`);
      if (next.origin !== origin) {
        const { Authorization: _, ...rest } = headers;
        headers = rest;
      }
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      log.debug(`${method} ${url} → ${res.status} ${next.href}`);
      url = next.href;
    }
    throw new RuntimeError(`Error response from registry: more than ${MAX_REDIRECTS} redirects`);
  }
}

/** docker's words for a request that got no answer: Get "https://host/v2/": <why> */
function netError(method: string, url: string, e: unknown): RuntimeError {
  const cause = e as Error & { code?: string };
  const why = cause.message || (cause.code ?? 'no answer');
  return new RuntimeError(`Error response from registry: ${method[0]}${method.slice(1).toLowerCase()} "${url}": ${why}`);
}

const basic = (c: Credentials) => Buffer.from(`${c.username}:${c.password}`).toString('base64');
