// chapter: 07-images
// Credentials as docker keeps them: $DOCKER_CONFIG/config.json (default
// ~/.docker/config.json), `auths` keyed by registry, each `auth` the base64 of
// "user:password". Docker Hub's key is its old index URL, https://index.docker.io/v1/.
const { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { RuntimeError } from '../../errors.js';
import { DEFAULT_DOMAIN } from '../reference.js';

export const HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export interface Credentials {
  username: string;
  password: string;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  [key: string]: unknown;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

function readConfig(file: string): ConfigFile {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ConfigFile;
  } catch (e) {
    throw new RuntimeError(`loading config file ${file}: ${(e as Error).message}`, 'runtime', { cause: e });
  }
}

/** the key a registry's credentials are stored under ("docker.io" → Hub's index URL) */
export function authKey(domain: string): string {
  return domain === DEFAULT_DOMAIN || domain === 'index.docker.io' || domain === 'registry-1.docker.io' ? HUB_AUTH_KEY : domain;
}

/** the stored credentials for a registry, matching docker's keys with or without a scheme */
export function credentialsFor(domain: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const auths = readConfig(configPath(env)).auths ?? {};
  const key = authKey(domain);
  const strip = (k: string) => k.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  const entry = auths[key] ?? Object.entries(auths).find(([k]) => strip(k) === strip(key))?.[1];
  if (!entry) return undefined;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new RuntimeError(`invalid auth configuration file ${configPath(env)}: the auth of ${key} is not user:password`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
  return undefined;
}

/** `login`: store user:password for the registry, as docker writes it (0600, other keys kept) */
export function storeCredentials(domain: string, c: Credentials, env: NodeJS.ProcessEnv = process.env): string {
  const file = configPath(env);
  const config = readConfig(file);
  config.auths = { ...(config.auths ?? {}), [authKey(domain)]: { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') } };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writePrivate(file, JSON.stringify(config, null, '\t'));
  return file;
}

/** `logout`: forget the registry's credentials; false when there were none */
export function removeCredentials(domain: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = configPath(env);
  const config = readConfig(file);
  const key = authKey(domain);
  if (!config.auths?.[key]) return false;
  delete config.auths[key];
  writePrivate(file, JSON.stringify(config, null, '\t'));
  return true;
}

/** temp + rename, readable by its owner only (it holds passwords) */
function writePrivate(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${content}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
