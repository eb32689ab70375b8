// chapter: 09-daemon
// The router: a method and a path pattern per endpoint, and the answers' shapes.
// A failure is an error of a kind (src/errors.ts), answered with the kind's HTTP
// status and dockerd's body, {"message": "…"}: the docker CLI prints it as
// `Error response from daemon: …`. An endpoint of the Engine API this daemon does
// not have yet answers 501 with its name: never a success that did nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_KINDS, RuntimeError } from '../errors.js';
import { log } from '../log.js';
import { splitVersion, VERSION_HEADERS } from './version.js';

/** one request, as a handler sees it */
export interface Call {
  method: string;
  /** the path without its /vX.Y prefix */
  path: string;
  /** the pattern's named parts: {id}, {name} */
  params: Record<string, string>;
  query: URLSearchParams;
  /** the API version the client speaks */
  version: string;
  req: IncomingMessage;
  /** a plain request's response */
  res?: ServerResponse;
  /** a request that asked to upgrade: the raw connection, for the handler to take over (attach) */
  socket?: Duplex;
  /** an upgraded request's body, read off the connection before it was handed over */
  body?: Buffer;
}

export type Handler = (call: Call) => Promise<void> | void;

export interface Route {
  method: string;
  /** /containers/{id}/start: {name} matches one path segment, {name*} the rest of the path */
  path: string;
  handler?: Handler;
}

/** a stream of answer bytes: the response's body, or the upgraded connection */
export interface Out {
  write(chunk: Buffer | string): void;
  end(): void;
  /** the client went away */
  readonly closed: boolean;
}

/** start an answer with a status and headers; the body follows through the returned Out */
export function open(call: Call, status: number, headers: Record<string, string>): Out {
  const all = { ...VERSION_HEADERS, ...headers };
  if (call.res) {
    const res = call.res;
    res.writeHead(status, all);
    res.flushHeaders(); // a wait's client knows it is registered before the container is started
    return { write: (c) => void res.write(c), end: () => res.end(), get closed() { return res.destroyed || res.writableEnded; } };
  }
  const socket = call.socket!;
  const lines = Object.entries({ ...all, Connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('')}\r\n`);
  return { write: (c) => void socket.write(c), end: () => socket.end(), get closed() { return socket.destroyed; } };
}

/** a whole answer: JSON (or nothing, for 204 and 304) */
export function reply(call: Call, status: number, body?: unknown): void {
  const text = body === undefined ? '' : `${JSON.stringify(body)}\n`;
  const out = open(call, status, body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
  if (text) out.write(text);
  out.end();
}

const MAX_BODY = 1024 * 1024;

/** the request's JSON body ({} when there is none); a malformed one is the client's error (400) */
export async function readBody<T>(call: Call): Promise<T> {
  const chunks: Buffer[] = call.body ? [call.body] : [];
  let size = 0;
  for await (const c of call.body ? [] : (call.req as AsyncIterable<Buffer>)) {
    size += c.length;
    if (size > MAX_BODY) throw new RuntimeError(`request body larger than ${MAX_BODY} bytes`, 'usage');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {} as T;
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('the body is not a JSON object');
    return value as T;
  } catch (e) {
    throw new RuntimeError(`invalid JSON body: ${(e as Error).message}`, 'usage');
  }
}

/** a query flag as dockerd reads one: 1, true, and any other value but 0, false and "" */
export function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && !['', '0', 'false', 'False', 'FALSE'].includes(v);
}

/** ?filters={"status":["exited"]} (or the old {"status":{"exited":true}}) as the CLI's -f key=value */
export function queryFilters(q: URLSearchParams): string[] {
  const raw = q.get('filters');
  if (!raw) return [];
  let parsed: Record<string, string[] | Record<string, boolean>>;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new RuntimeError(`invalid filter: ${raw}`, 'usage');
  }
  return Object.entries(parsed).flatMap(([key, values]) => (Array.isArray(values) ? values : Object.keys(values)).map((v) => `${key}=${v}`));
}

interface Compiled extends Route {
  re: RegExp;
  keys: string[];
}

function compile(r: Route): Compiled {
  const keys: string[] = [];
  const source = r.path.replace(/\{(\w+)(\*?)\}/g, (_, key: string, rest: string) => {
    keys.push(key);
    return rest ? '(.+)' : '([^/]+)';
  });
  return { ...r, re: new RegExp(`^${source}$`), keys };
}

/** dispatch a request to its route's handler; every failure becomes dockerd's error answer */
export function router(routes: Route[]): (req: IncomingMessage, res?: ServerResponse, socket?: Duplex, body?: Buffer) => Promise<void> {
  const compiled = routes.map(compile);
  return async (req, res, socket, body) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const call: Call = { method: req.method ?? 'GET', path: url.pathname, params: {}, query: url.searchParams, version: '', req, res, socket, body };
    try {
      const { version, path } = splitVersion(url.pathname);
      Object.assign(call, { version, path });
      const method = call.method === 'HEAD' ? 'GET' : call.method; // HEAD /_ping: GET's headers
      // a built endpoint wins over a placeholder of the same path (a later slice's 501)
      const matches = compiled.filter((r) => r.method === method && r.re.test(path));
      const found = matches.find((r) => r.handler) ?? matches[0];
      if (!found) {
        const other = compiled.some((r) => r.re.test(path));
        throw new RuntimeError(other ? `method ${call.method} not allowed for ${path}` : 'page not found', other ? 'usage' : 'notFound');
      }
      const m = found.re.exec(path)!;
      found.keys.forEach((k, i) => (call.params[k] = decodeURIComponent(m[i + 1])));
      log.debug(`${call.method} ${url.pathname}${url.search}`);
      if (!found.handler) return reply(call, 501, { message: `${found.method} ${found.path} is not implemented by mydockerd yet` });
      await found.handler(call);
    } catch (e) {
      fail(call, e);
    }
  };
}

/** an error as dockerd answers it: its kind's status, {"message"}; once the answer has started, the connection ends */
export function fail(call: Call, e: unknown): void {
  const status = e instanceof RuntimeError ? ERROR_KINDS[e.kind].http : 500;
  const message = e instanceof Error ? e.message : String(e);
  log.debug(`${call.method} ${call.path}: ${status} ${status === 500 ? ((e as Error)?.stack ?? message) : message}`);
  if (call.res?.headersSent) return void call.res.destroy();
  if (call.socket?.destroyed) return;
  try {
    reply(call, status, { message });
  } catch {
    call.res?.destroy();
    call.socket?.destroy();
  }
}
