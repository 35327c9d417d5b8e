import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a UTF-8 byte stream into text lines (for the JSON-lines protocols of the IO keeper and the emulator
 * service). Multi-byte characters split across chunks are decoded correctly; blank lines are skipped.
 */
export class TextLineSplitter {
  private buf = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (line.trim() !== '') this.onLine(line);
    }
  }

  /** Bytes of an unfinished line held back (to bound request size). */
  get pendingBytes(): number { return Buffer.byteLength(this.buf); }

  reset(): void { this.buf = ''; }
}
