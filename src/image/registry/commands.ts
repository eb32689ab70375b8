// chapter: 07-images step 7.1
// The registry commands as docker prints them: pull, push, login, logout, tag.
const { readFileSync } = process.getBuiltinModule('node:fs');
import { RuntimeError } from '../../errors.js';
// <step 7.6>
import { normalizeRef } from '../reference.js';
import { openImageStore } from '../store.js';
// </step 7.6>
import { Registry } from './client.js';
import { HUB_AUTH_KEY, removeCredentials, storeCredentials, type Credentials } from './credentials.js';
import { parsePlatform } from './manifest.js';
import { pullImage } from './pull.js';

export async function pullCommand(root: string, args: string[], quiet: boolean, platform?: string): Promise<number> {
  if (args.length !== 1) throw new RuntimeError('"pull" requires exactly 1 argument: NAME[:TAG|@DIGEST]');
  await pullImage(root, args[0], { quiet, platform: platform ? parsePlatform(platform) : undefined, out: process.stdout, defaultTagNotice: true });
  return 0;
}

// <step 7.6>
export async function pushCommand(root: string, args: string[], quiet: boolean): Promise<number> {
  if (args.length !== 1) throw new RuntimeError('"push" requires exactly 1 argument: NAME[:TAG]');
  const { pushImage } = await import('./push.js'); // a pull does not load it
  await pushImage(root, args[0], process.stdout, quiet);
  return 0;
}

export function tagCommand(root: string, args: string[]): number {
  if (args.length !== 2) throw new RuntimeError('"tag" requires exactly 2 arguments: SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]');
  const target = normalizeRef(args[1]);
  const store = openImageStore(root);
  const image = store.get(args[0]);
  store.addImage(image.manifest, image.size, target);
  return 0;
}
// </step 7.6>

/** "https://host:5000/v1/" or "host:5000" → host:5000; none → Docker Hub */
function serverDomain(server?: string): string {
  if (!server) return 'docker.io';
  return server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

/** login: the credentials checked against the registry and stored; the file they are in */
export async function login(args: string[], username?: string, password?: string, passwordStdin = false): Promise<string> {
  if (args.length > 1) throw new RuntimeError('"login" accepts at most 1 argument: [SERVER]');
  if (passwordStdin) {
    if (password !== undefined) throw new RuntimeError('--password and --password-stdin are mutually exclusive');
    if (!username) throw new RuntimeError('Must provide --username with --password-stdin');
    password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  }
  if (!username || password === undefined) throw new RuntimeError('Cannot perform an interactive login: give --username and --password or --password-stdin');
  if (password !== undefined && !passwordStdin) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  const domain = await checkCredentials(args[0], { username, password });
  return storeCredentials(domain, { username, password });
}

/** the credentials work for the server (none: Docker Hub); its domain. The daemon's /auth stops here: dockerd stores nothing */
export async function checkCredentials(server: string | undefined, c: Credentials): Promise<string> {
  const domain = serverDomain(server);
  await new Registry(domain, c).checkLogin();
  return domain;
}

/** login's printer */
export async function loginCommand(args: string[], username?: string, password?: string, passwordStdin = false): Promise<number> {
  const file = await login(args, username, password, passwordStdin);
  process.stderr.write(`WARNING! Your password will be stored unencrypted in ${file}.\n`);
  process.stdout.write('Login Succeeded\n');
  return 0;
}

/** logout: the server's credentials forgotten; which server, and whether there were any */
export function logout(args: string[]): { server: string; removed: boolean } {
  if (args.length > 1) throw new RuntimeError('"logout" accepts at most 1 argument: [SERVER]');
  const domain = serverDomain(args[0]);
  return { server: args[0] ? domain : HUB_AUTH_KEY, removed: removeCredentials(domain) };
}

/** logout's printer */
export function logoutCommand(args: string[]): number {
  const { server, removed } = logout(args);
  process.stdout.write(removed ? `Removing login credentials for ${server}\n` : `Not logged in to ${server}\n`);
  return 0;
}
