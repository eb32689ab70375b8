// chapter: 01-namespaces
import { randomBytes } from 'node:crypto';

/** a container id as docker makes them: 64 hex digits; the short form is 12 */
export function newId(): string {
  return randomBytes(32).toString('hex');
}

export const shortId = (id: string) => id.slice(0, 12);
