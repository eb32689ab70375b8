// chapter: 09-daemon
// The images endpoints: pull (POST /images/create), list, inspect, remove, over
// chapter 07's pull and chapter 03's store. A pull answers with dockerd's stream of
// JSON progress lines, one object a line (seed 004): the pull's own progress lines,
// re-printed as JSON by this front door.
import { RuntimeError } from '../errors.js';
import { listImages, removeImages } from '../image/commands.js';
import { pullImage } from '../image/registry/pull.js';
import { openImageStore, type Image } from '../image/store.js';
import { registryAuth } from './auth.js';
import { record, recordImageLines } from './events.js';
import { normalizeRef } from '../image/reference.js';
import { flag, open, queryFilters, reply, type Call, type Out, type Route } from './router.js';

/** one progress line of the pull ("3f4d90098f5b: Pull complete") as dockerd's JSON message */
function progressMessage(line: string): Record<string, unknown> {
  const layer = /^([0-9a-f]{12}): (.*)$/.exec(line);
  if (layer) return { status: layer[2], progressDetail: {}, id: layer[1] };
  const from = /^(\S+): (Pulling from .*)$/.exec(line);
  if (from) return { status: from[2], id: from[1] };
  return { status: line };
}

/** the pull's output stream: each line a JSON message; the answer (200) starts with the first one */
export function jsonProgress(call: Call): { stream: NodeJS.WritableStream; started: () => Out | undefined } {
  let out: Out | undefined;
  let rest = '';
  const stream = {
    isTTY: false,
    write(chunk: string | Buffer) {
      rest += chunk.toString();
      const lines = rest.split('\n');
      rest = lines.pop()!;
      // the last line, the reference alone, is the CLI's to print (docker pull prints it itself)
      for (const line of lines.filter((l) => /\s/.test(l))) {
        out ??= open(call, 200, { 'Content-Type': 'application/json' });
        out.write(`${JSON.stringify(progressMessage(line))}\r\n`);
      }
      return true;
    },
  };
  return { stream: stream as unknown as NodeJS.WritableStream, started: () => out };
}

/** docker's image JSON (GET /images/{name}/json) */
function inspectShape(image: Image): Record<string, unknown> {
  return {
    Id: image.id,
    RepoTags: image.tags,
    RepoDigests: [],
    Parent: '',
    Comment: '',
    Created: image.created || '1970-01-01T00:00:00Z',
    Container: '',
    DockerVersion: '',
    Author: '',
    Config: { Env: [], Cmd: null, Entrypoint: null, WorkingDir: '', User: '', ...image.config },
    Architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    Os: 'linux',
    Size: image.size,
    VirtualSize: image.size,
    GraphDriver: { Name: 'overlay', Data: null },
    RootFS: { Type: 'layers', Layers: image.diffIds },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

export function imageRoutes(root: string): Route[] {
  return [
    {
      method: 'POST',
      path: '/images/create',
      async handler(call) {
        const from = call.query.get('fromImage');
        if (!from) throw new RuntimeError('POST /images/create without fromImage (an import, fromSrc) is not implemented by mydockerd yet', 'usage');
        const tag = call.query.get('tag');
        const name = !tag ? from : tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`;
        const progress = jsonProgress(call);
        try {
          const id = await pullImage(root, name, { out: progress.stream, credentials: registryAuth(call) });
          record('image', 'pull', normalizeRef(name), { name: normalizeRef(name), id });
        } catch (e) {
          const out = progress.started();
          if (!out) throw e; // nothing sent yet: an error answer of its kind
          const message = (e as Error).message; // mid-stream, as dockerd: the error is the last message
          out.write(`${JSON.stringify({ errorDetail: { message }, error: message })}\r\n`);
        }
        (progress.started() ?? open(call, 200, { 'Content-Type': 'application/json' })).end();
      },
    },
    {
      method: 'GET',
      path: '/images/json',
      handler(call) {
        // docker images NAME: filters={"reference":{"NAME":true}}; no other filter yet
        const refs = queryFilters(call.query).map((f) => {
          const [key, value] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
          if (key !== 'reference') throw new RuntimeError(`invalid filter '${key}' (mydockerd has only reference yet)`, 'usage');
          return value;
        });
        const byId = new Map<string, Image>();
        for (const ref of refs.length ? refs : [undefined]) for (const row of listImages(root, ref)) byId.set(row.image.id, row.image);
        reply(
          call,
          200,
          [...byId.values()].map((i) => ({
            Id: i.id,
            ParentId: '',
            RepoTags: i.tags.length ? i.tags : ['<none>:<none>'],
            RepoDigests: [],
            Created: Math.floor(Date.parse(i.created || '1970-01-01T00:00:00Z') / 1000),
            Size: i.size,
            VirtualSize: i.size,
            SharedSize: -1,
            Labels: {},
            Containers: -1,
          })),
        );
      },
    },
    {
      method: 'GET',
      path: '/images/{name*}/json',
      handler(call) {
        const image = openImageStore(root).find(call.params.name);
        if (!image) throw new RuntimeError(`No such image: ${call.params.name}`, 'notFound');
        reply(call, 200, inspectShape(image));
      },
    },
    {
      method: 'DELETE',
      path: '/images/{name*}',
      handler(call) {
        const answer: Record<string, string>[] = [];
        const id = openImageStore(root).find(call.params.name)?.id ?? '';
        for (const o of removeImages(root, [call.params.name], flag(call.query, 'force'))) {
          if (o.error) throw o.error;
          for (const line of o.value!) {
            const [key, value] = line.split(': ');
            answer.push({ [key]: value });
          }
          recordImageLines(id, o.value!);
        }
        reply(call, 200, answer);
      },
    },
    // later slices
    { method: 'POST', path: '/build' },
    ...['/images/{name*}/history', '/images/search'].map((path) => ({ method: 'GET', path })),
  ];
}

