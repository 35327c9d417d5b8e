/** Fixtures of the stdin spool and durable stdin tests: a fake attachment socket and a spool on a fresh FIFO. */
import { EventEmitter } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { StdinSpool } from '../../../../src/platform/emulator/service/stdin-spool.js';

/** An attachment's socket: records what is written to it; `close` follows `destroy` as on a real socket. */
export class FakeSock extends EventEmitter {
  got: Buffer[] = [];
  ended = false;
  destroyed = false;
  paused = false;
  write(b: Buffer | string): boolean { this.got.push(Buffer.from(b)); return true; }
  end(b?: string): this { if (b) this.got.push(Buffer.from(b)); this.ended = true; return this; }
  destroy(): this { if (!this.destroyed) { this.destroyed = true; setImmediate(() => this.emit('close')); } return this; }
  pause(): this { this.paused = true; return this; }
  resume(): this { this.paused = false; return this; }
  /** Each write as text. */
  text(): string[] { return this.got.map((b) => b.toString()); }
  /** The first byte of each write: the chunks' names. */
  names(): string { return this.got.map((b) => String.fromCharCode(b[0]!)).join(''); }
}

export const tick = () => new Promise((r) => setImmediate(r));

/** A spool on a FIFO in a fresh directory, closed and removed after the test. */
export function spoolOnFifo(t: TestContext, prefix: string): { dir: string; pipe: string; spool: StdinSpool } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pipe = join(dir, 'p.in');
  execFileSync('mkfifo', [pipe]);
  const spool = new StdinSpool(pipe);
  t.after(() => spool.close());
  return { dir, pipe, spool };
}
