// chapter: 09-daemon
// The hijacked stream of attach (and of logs without a TTY). The client asks to
// leave HTTP (`Connection: Upgrade`, `Upgrade: tcp`); the daemon answers
// `101 UPGRADED` and from then on the connection is a raw byte stream. Without a
// TTY, stdout and stderr share it, so each write is framed (docker's stdcopy):
//
//   [stream 1|2][0 0 0][length, big-endian uint32][payload]
//
// With a TTY there is one stream (the terminal's), and its bytes go raw.
import type { Duplex } from 'node:stream';

export type StreamName = 'stdin' | 'stdout' | 'stderr';
const STREAM_IDS: Record<StreamName, number> = { stdin: 0, stdout: 1, stderr: 2 };

/** one frame: the 8-byte header, then the payload */
export function frame(stream: StreamName, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = STREAM_IDS[stream];
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** take the connection over: the 101 status line and headers, written by hand (HTTP ends here) */
export function upgrade(socket: Duplex, contentType = 'application/vnd.docker.raw-stream'): void {
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
}

/** what writes the container's output on a hijacked (or plain) stream: framed, or raw with a TTY */
export function outputWriter(out: { write(b: Buffer): unknown }, tty: boolean): (stream: StreamName, data: Buffer) => void {
  return (stream, data) => void out.write(tty ? data : frame(stream, data));
}
