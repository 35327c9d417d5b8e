import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { listen } from '../../../src/daemon/listener.js';
import { loadCri } from '../../../src/cri/proto.js';

test('listener: socket mode 0660, stale socket replaced, live socket refused, gRPC served through the injector', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'listener-'));
  const path = join(dir, 'sub', 'wincri.sock');
  try {
    // A stale socket: bound once, then its server closed without unlinking.
    const stale = net.createServer();
    await new Promise<void>((r) => stale.listen(join(dir, 'stale.sock'), () => r()));
    const server = new grpc.Server();
    const cri = loadCri();
    server.addService(cri.runtime.v1.RuntimeService.service, {
      Version: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { version: '0.1.0', runtimeName: 't', runtimeVersion: '1', runtimeApiVersion: 'v1' }),
    });
    const l = await listen(server, `unix://${path}`);
    assert.equal(statSync(path).mode & 0o777, 0o660);
    const client = new cri.runtime.v1.RuntimeService(`unix:${path}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Version: Function };
    const res = await new Promise<{ runtimeName: string }>((ok, fail) => client.Version({}, (e: Error | null, r: { runtimeName: string }) => (e ? fail(e) : ok(r))));
    assert.equal(res.runtimeName, 't');
    // a second server on the same live path is refused
    await assert.rejects(listen(new grpc.Server(), `unix://${path}`), /already serving/);
    client.close();
    await l.close();
    // a leftover socket file with nobody listening (its process was killed) is replaced
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    assert.ok(statSync(path).isSocket(), 'stale socket left behind');
    writeFileSync(join(dir, 'not-a-socket'), 'x');
    await assert.rejects(listen(new grpc.Server(), `unix://${join(dir, 'not-a-socket')}`), /not a socket/);
    stale.close();
    const again = new grpc.Server();
    const l2 = await listen(again, `unix://${path}`);
    await l2.close();
    server.forceShutdown();
    again.forceShutdown();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
