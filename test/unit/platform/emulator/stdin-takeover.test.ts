/**
 * A `keep` attachment to a spooled stdin (service/stdin-spool.ts) takes over a `keep` owner only when that owner
 * is not read (it waits for the full window: a killed owner would hold the stdin for good); a live owner being read
 * keeps it, and the newcomer is refused, so two live owners do not evict each other.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket, type Server } from 'node:net';
import { join } from 'node:path';
import { STDIN_WINDOW } from '../../../../src/platform/emulator/service/stdin-spool.js';
import { spoolOnFifo } from './stdin-fakes.js';

/** Socket pairs over a unix socket: [the service's end, the client's end]. */
async function pairs(dir: string): Promise<{ pair(): Promise<[Socket, Socket]>; server: Server }> {
  const path = join(dir, 'a.sock');
  const accepted: Socket[] = [];
  const waiting: ((s: Socket) => void)[] = [];
  const server = createServer((s) => { const w = waiting.shift(); if (w) w(s); else accepted.push(s); });
  await new Promise<void>((r) => server.listen(path, r));
  return {
    server,
    async pair() {
      const got = new Promise<Socket>((r) => { const s = accepted.shift(); if (s) r(s); else waiting.push(r); });
      const c = connect(path);
      c.on('error', () => undefined);
      return [await got, c];
    },
  };
}

const answers = (c: Socket) => { const lines: string[] = []; c.setEncoding('utf8'); c.on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean))); return lines; };
const until = async (cond: () => boolean) => { while (!cond()) await new Promise((r) => setTimeout(r, 10)); };

test('stdin spool: a keep attachment does not take over a live keep owner, only one held by the full window', { timeout: 30_000 }, async (t) => {
  const { dir, spool } = spoolOnFifo(t, 'wincri-takeover-');
  const socks = await pairs(dir);
  t.after(() => { socks.server.close(); });
  const [a, ac] = await socks.pair();
  spool.attach(a, () => undefined, true);
  const acks = answers(ac);
  ac.write('hello');
  await until(() => acks.includes('5'));
  // A live owner, read: the newcomer is refused and the owner stays attached.
  const [b, bc] = await socks.pair();
  assert.throws(() => spool.attach(b, () => undefined, true), /already attached/);
  b.destroy(); bc.destroy();
  assert.equal(a.destroyed, false);
  ac.write('!');
  await until(() => acks.includes('6'));
  // Past the window nothing feeds the spool here: the owner is no longer read, and a newcomer takes over.
  ac.write(Buffer.alloc(STDIN_WINDOW));
  await until(() => acks.includes(String(6 + STDIN_WINDOW)));
  const [d, dc] = await socks.pair();
  let start = -1;
  spool.attach(d, (info) => { start = info.start; }, true);
  assert.equal(start, 6 + STDIN_WINDOW);
  await until(() => a.destroyed);
  d.destroy(); dc.destroy(); ac.destroy();
});
