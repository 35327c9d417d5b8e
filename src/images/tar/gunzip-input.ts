/** The byte source of gunzip-raw.ts: chunks read ahead, looked at byte by byte or skipped in bulk, unread bytes put back in front. */
export class Input {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private eof = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  /** At least n bytes buffered, unless the input ends first; false then. */
  async need(n: number): Promise<boolean> {
    while (this.buffered < n && !this.eof) {
      const r = await this.it.next();
      if (r.done) { this.eof = true; break; }
      if (r.value.length) { this.chunks.push(r.value); this.buffered += r.value.length; }
    }
    return this.buffered >= n;
  }

  /** Byte i of what is buffered (need(i + 1) first). */
  at(i: number): number {
    for (const c of this.chunks) { if (i < c.length) return c[i]!; i -= c.length; }
    throw new RangeError('not buffered');
  }

  /** Drops n buffered bytes. */
  skip(n: number): void {
    while (n > 0) {
      const c = this.chunks[0]!;
      if (c.length <= n) { this.chunks.shift(); n -= c.length; this.buffered -= c.length; } else { this.chunks[0] = c.subarray(n); this.buffered -= n; n = 0; }
    }
  }

  /**
   * Drops the bytes up to and including the next zero byte, each chunk searched once and dropped when it holds
   * none: 'eof' when the input ends first, 'long' when more than `max` bytes (the zero included) would be dropped.
   */
  async skipThroughZero(max: number): Promise<'ok' | 'eof' | 'long'> {
    for (let seen = 0; ;) {
      if (!(await this.need(1))) return 'eof';
      const c = this.chunks[0]!;
      const i = c.indexOf(0);
      if (i >= 0) {
        if (seen + i + 1 > max) return 'long';
        this.skip(i + 1);
        return 'ok';
      }
      seen += c.length;
      if (seen >= max) return 'long';
      this.skip(c.length);
    }
  }

  /** The next chunk (buffered first), or undefined at the end. */
  async chunk(): Promise<Buffer | undefined> {
    if (!(await this.need(1))) return undefined;
    const c = this.chunks.shift()!;
    this.buffered -= c.length;
    return c;
  }

  unshift(bufs: Buffer[]): void {
    for (let i = bufs.length - 1; i >= 0; i--) { this.chunks.unshift(bufs[i]!); this.buffered += bufs[i]!.length; }
  }
}
