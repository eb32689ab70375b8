// chapter: 07-images
// The registry client's HTTP, on node:http and node:https, each loaded when a URL
// first needs it. Node's fetch would do, but its first call loads undici: ~40 ms of
// every pull (and so would node:http's ES module, which reads its WebSocket export).
// Node's global agents keep connections alive, so the requests of one pull share
// them. Bodies are node streams, read once.
import type { IncomingMessage } from 'node:http';
import { RuntimeError } from '../../errors.js';

type RequestBody = Buffer | string | (() => NodeJS.ReadableStream);

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  /** a function for a stream: called again when the request must be retried */
  body?: RequestBody;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  ok: boolean;
  headers: { get(name: string): string | null };
  body: IncomingMessage;
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** the body is not wanted: read to its end, unseen, so the connection can be reused */
  discard(): void;
}

/**
 * How long a registry may keep us waiting, so that one that accepts the connection and
 * never answers cannot hang a pull for ever: 30 s for the connection (docker's dial
 * timeout), 60 s for the response's headers once the request is sent, 60 s without a
 * byte in either direction (an upload, the wait, a body). No limit on a whole transfer:
 * a big layer on a slow line takes what it takes. MYDOCKER_REGISTRY_TIMEOUT_MS sets all
 * three (the tests use a fraction of a second).
 */
function timeouts(env: NodeJS.ProcessEnv = process.env): { connect: number; headers: number; idle: number } {
  const ms = Number(env.MYDOCKER_REGISTRY_TIMEOUT_MS);
  if (Number.isFinite(ms) && ms > 0) return { connect: ms, headers: ms, idle: ms };
  return { connect: 30_000, headers: 60_000, idle: 60_000 };
}

const seconds = (ms: number) => `${ms / 1000} s`;

/**
 * one request; network failures reject with Node's error (its code: ECONNREFUSED, a TLS
 * code, ETIMEDOUT for our timeouts), which the client turns into a line naming the URL
 */
export async function send(url: string, init: HttpInit = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const limit = timeouts();
  const method = init.method ?? 'GET';
  // not `import()`: the ES module of node:http would read every export, WebSocket too, and load undici
  const { request } = u.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
  return new Promise((resolve, reject) => {
    const timedOut = (why: string) => Object.assign(new Error(why), { code: 'ETIMEDOUT' });
    let headersTimer: NodeJS.Timeout | undefined;
    const idle = () => req.destroy(timedOut(req.writableFinished ? `timeout awaiting response headers (no data for ${seconds(limit.idle)})` : `no data for ${seconds(limit.idle)} while sending the request`));
    // the connection: from now (name lookup included) until TCP connects; a kept-alive socket is connected already
    const connectTimer = setTimeout(() => req.destroy(timedOut(`dial tcp ${u.host}: i/o timeout (no connection after ${seconds(limit.connect)})`)), limit.connect);
    const req = request(u, { method, headers: init.headers }, (res) => {
      clearTimeout(connectTimer);
      clearTimeout(headersTimer);
      req.off('timeout', idle); // from here the response's own
      // a body that stops half-way: the error names the request, as the client's other errors do
      res.setTimeout(limit.idle, () =>
        res.destroy(new RuntimeError(`Error response from registry: ${method[0]}${method.slice(1).toLowerCase()} "${url}": no data for ${seconds(limit.idle)} while reading the response`)),
      );
      resolve(response(res));
    });
    req.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => clearTimeout(connectTimer));
      else clearTimeout(connectTimer);
    });
    // sent: now the answer's headers (a slow upload before this is bounded by the idle timeout)
    req.on('finish', () => {
      headersTimer = setTimeout(() => req.destroy(timedOut(`timeout awaiting response headers (${seconds(limit.headers)})`)), limit.headers);
    });
    req.setTimeout(limit.idle, idle);
    req.on('error', (e) => {
      clearTimeout(connectTimer);
      clearTimeout(headersTimer);
      reject(e);
    });
    const body = typeof init.body === 'function' ? init.body() : init.body;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', (e) => req.destroy(e));
      body.pipe(req);
    }
  });
}

function response(res: IncomingMessage): HttpResponse {
  const status = res.statusCode ?? 0;
  const read = async () => {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  return {
    status,
    statusText: res.statusMessage ?? '',
    ok: status >= 200 && status < 300,
    headers: {
      get(name) {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    body: res,
    text: read,
    json: async () => JSON.parse(await read()),
    discard: () => {
      res.resume();
    },
  };
}
