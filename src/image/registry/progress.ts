// chapter: 07-images
// Docker's progress output. On a terminal: one line per layer, redrawn in place
// (Downloading 1.2MB/3.4MB). Otherwise plain lines, each status once:
//   a3ed95caeb02: Pulling fs layer … Verifying Checksum, Download complete, Pull complete
// <step 7.5>
import { humanSize } from '../../toolkit/format.js';
// </step 7.5>

export class Progress {
  // <step 7.5>
  private readonly ids: string[] = [];
  private readonly tty: boolean;
  // </step 7.5>

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly quiet = false,
  ) {
    // <step 7.5>
    this.tty = out.isTTY === true;
    // </step 7.5>
  }

  /** a line of its own ("latest: Pulling from library/busybox", "Digest: …") */
  line(text: string): void {
    if (!this.quiet) this.out.write(`${text}\n`);
  }

  /** a layer's status; `bytes` of `total` only shown on a terminal */
  layer(id: string, status: string, bytes?: number, total?: number): void {
    // <replaced-by 7.5>
    //~ void [id, status, bytes, total]; // each layer's lines arrive in step 7.5
    // </replaced-by 7.5>
    // <step 7.5>
    if (this.quiet) return;
    let at = this.ids.indexOf(id);
    if (at < 0) {
      this.ids.push(id);
      at = this.ids.length - 1;
      if (this.tty) this.out.write('\n');
    }
    if (!this.tty) {
      if (bytes === undefined) this.out.write(`${id}: ${status}\n`);
      return;
    }
    const text = bytes !== undefined && total ? `${status}  ${humanSize(bytes)}/${humanSize(total)}` : status;
    const up = this.ids.length - at;
    this.out.write(`\x1b[${up}A\r\x1b[2K${id}: ${text}\x1b[${up}B\r`);
    // </step 7.5>
  }
}
