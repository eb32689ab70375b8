const { closeSync, openSync, readSync } = process.getBuiltinModule('node:fs');

/**
 * a container id as docker makes them: 64 hex digits from 32 random bytes; the
 * short form is 12. Read from the kernel's /dev/urandom: node:crypto would cost
 * every run more to load (it initialises OpenSSL) than everything else the CLI imports.
 */
export function newId(): string {
  const bytes = Buffer.alloc(32);
  const fd = openSync('/dev/urandom', 'r');
  try {
    readSync(fd, bytes, 0, 32, null);
  } finally {
    closeSync(fd);
  }
  return bytes.toString('hex');
}

export const shortId = (id: string) => id.slice(0, 12);
