import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { listen } from '../../../src/daemon/listener.js';
import { loadCri } from '../../../src/cri/proto.js';

/** Connects and reports whether the server dropped the connection without a byte. */
function dropped(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once('error', () => resolve(true));
    s.once('close', () => resolve(true));
    s.once('data', () => { s.destroy(); resolve(false); });
    s.setTimeout(300, () => { s.destroy(); resolve(false); });
  });
}

test('listener: the endpoint security hook runs before any connection is served; a failing hook aborts listen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'listener-secure-'));
  const path = join(dir, 'wincri.sock');
  const server = new grpc.Server();
  const cri = loadCri();
  server.addService(cri.runtime.v1.RuntimeService.service, {
    Version: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { version: '0.1.0', runtimeName: 'secured', runtimeVersion: '1', runtimeApiVersion: 'v1' }),
  });
  try {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const listening = listen(server, `unix://${path}`, {
      secure: async (p) => {
        seen.push(p);
        assert.equal(await dropped(p), true, 'connections before the hook completes are refused');
        await gate;
      },
    });
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    release();
    const l = await listening;
    assert.deepEqual(seen, [path]);
    const client = new cri.runtime.v1.RuntimeService(`unix:${path}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Version: Function };
    const res = await new Promise<{ runtimeName: string }>((ok, fail) => client.Version({}, (e: Error | null, r: { runtimeName: string }) => (e ? fail(e) : ok(r))));
    assert.equal(res.runtimeName, 'secured');
    client.close();
    await l.close();

    await assert.rejects(listen(new grpc.Server(), `unix://${path}`, { secure: async () => { throw new Error('cannot set DACL'); } }), /cannot set DACL/);
    assert.equal(existsSync(path), false, 'socket removed after a failed hook');
  } finally {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});
