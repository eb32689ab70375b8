// chapter: 07-images
// The registry client's HTTP, on node:http and node:https, each loaded when a URL
// first needs it. Node's fetch would do, but its first call loads undici: ~40 ms of
// every pull (and so would node:http's ES module, which reads its WebSocket export).
// Node's global agents keep connections alive, so the requests of one pull share
// them. Bodies are node streams, read once.
import type { IncomingMessage } from 'node:http';

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

/** no byte for this long while waiting or reading: undici's fetch gives up at 300 s too */
const IDLE_MS = 300_000;

/** one request; network failures reject with Node's error (its code: ECONNREFUSED, a TLS code…) */
export async function send(url: string, init: HttpInit = {}): Promise<HttpResponse> {
  const u = new URL(url);
  // not `import()`: the ES module of node:http would read every export, WebSocket too, and load undici
  const { request } = u.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
  return new Promise((resolve, reject) => {
    const req = request(u, { method: init.method ?? 'GET', headers: init.headers, timeout: IDLE_MS }, (res) => {
      res.setTimeout(IDLE_MS, () => res.destroy(new Error(`no data for ${IDLE_MS / 1000} s`)));
      resolve(response(res));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout awaiting response'), { code: 'ETIMEDOUT' })));
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
