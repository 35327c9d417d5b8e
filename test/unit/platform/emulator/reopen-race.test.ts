/**
 * Handles re-opened after a reconnect are counted once: a system opened while the fresh connection is still
 * re-opening the handles of the previous one is not re-opened a second time (the service would count two handles
 * against the client's one, and a stopped system it names would never disappear: found by `npm run chaos` with
 * 100 pods and the emulator service killed, as compute systems left behind by removed containers).
 * A fake service on the emulator's socket records every open; it holds the re-open of the first handle back
 * until the test's new open was sent, which is the window where the double count happened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorClient } from '../../../../src/platform/emulator/client.js';
import { EmuCompute } from '../../../../src/platform/emulator/compute.js';
import { SOCKET_NAME } from '../../../../src/platform/emulator/protocol.js';

test('a system opened during the re-open after a reconnect is opened once on the new connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-reopen-'));
  const conns: Socket[] = [];
  /** openSystem ids received, per connection. */
  const opens: string[][] = [];
  let holdReopen: (() => void) | undefined;
  let heldOpen: (() => void) | undefined;
  const server = createServer((s) => {
    const n = conns.push(s) - 1;
    opens[n] = [];
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const m = JSON.parse(buf.slice(0, i)) as { id: number; method: string; params: { id?: string } };
        buf = buf.slice(i + 1);
        const answer = () => s.write(JSON.stringify({ id: m.id, result: null }) + '\n');
        if (m.method === 'openSystem') opens[n]!.push(m.params.id!);
        // On the second connection the re-open of "old" waits until the test says so.
        if (n === 1 && m.method === 'openSystem' && m.params.id === 'old' && !holdReopen) { holdReopen = answer; heldOpen?.(); continue; }
        answer();
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(join(dir, SOCKET_NAME), r));
  const client = new EmulatorClient({ stateDir: dir, spawnService: false, connectTimeoutMs: 5000 });
  const compute = new EmuCompute(client);
  try {
    await compute.openComputeSystem('old');
    assert.deepEqual(opens[0], ['old']);
    // The service goes away and comes back: the client reconnects by itself and starts re-opening "old".
    const reopening = new Promise<void>((r) => { heldOpen = r; });
    conns[0]!.destroy();
    await reopening;
    // A new open while the re-open is under way (the container a keeper starts meanwhile), held while the
    // re-open completes: the call joins the pending connect before it returns.
    const fresh = compute.openComputeSystem('new');
    holdReopen!();
    const held = await fresh;
    // The service answers in order on a connection: once hello is answered, any second open of "new" sent
    // before it was received.
    await client.request('hello');
    assert.deepEqual(opens[1], ['old', 'new'], 'each handle opened once on the new connection');
    held.close();
  } finally {
    client.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
