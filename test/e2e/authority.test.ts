/**
 * A real old grpc-go client (Debian's golang-google-grpc-dev, < 1.57) dialing the way kubelet ≤ 1.28 does — the
 * socket path as target, so the path is its :authority. Against a plain grpc-js server it fails with RST_STREAM
 * PROTOCOL_ERROR; against the real daemon every call succeeds. Skipped with a message when Go or grpc-go is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { Daemon, call } from './harness.js';
import { loadCri } from '../../src/cri/proto.js';
import { goBuildEnv } from '../../bench/steady/go-probe.js';

const GOPATH = '/usr/share/gocode';
const SOURCE = fileURLToPath(new URL('../../../test/e2e/go/oldgrpc-client.go', import.meta.url));

function goSkipReason(): string | false {
  try { execFileSync('go', ['version'], { stdio: 'ignore' }); } catch { return 'Go is not installed (apt-get install golang-go)'; }
  if (!existsSync(join(GOPATH, 'src/google.golang.org/grpc/clientconn.go'))) return 'grpc-go is not installed (apt-get install golang-google-grpc-dev)';
  return false;
}
const skip = goSkipReason();

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 120_000 }, (e, stdout, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr }));
  });
}

// A cold Go cache builds grpc-go first: the build gets up to 600 s, the test 900 s (above --test-timeout's 300 s),
// both well below the runner's per-file limit (test/lane-limit.mjs, 1800 s).
test('grpc-go < 1.57 with the socket path as :authority: PROTOCOL_ERROR from plain grpc-js, every call answered by wincri', { skip, timeout: 900_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-oldgrpc-'));
  const bin = join(dir, 'oldgrpc-client');
  // The bench's Go build cache: grpc-go, compiled here, is not compiled again for its relist probe (bench-smoke).
  execFileSync('go', ['build', '-o', bin, SOURCE], { env: goBuildEnv(), stdio: 'pipe', timeout: 600_000 });
  const cri = loadCri();
  const plain = new grpc.Server();
  const d = new Daemon('wincri-oldgrpc');
  try {
    // the premise: a grpc-js server on its own socket refuses the stream
    plain.addService(cri.runtime.v1.RuntimeService.service, { Version: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, {}) });
    const plainSock = join(dir, 'plain.sock');
    await new Promise<void>((ok, fail) => plain.bindAsync(`unix:${plainSock}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? fail(e) : ok())));
    const before = await run(bin, [plainSock, '1']);
    assert.equal(before.code, 1, before.stdout + before.stderr);
    assert.match(before.stderr, /RST_STREAM with error code: PROTOCOL_ERROR/);

    await d.start();
    const res = await run(bin, [d.socket, '50']);
    assert.equal(res.code, 0, res.stdout + res.stderr + d.log());
    assert.match(res.stdout, /^ok 100$/m);
    const hex = /^version ([0-9a-f]+)$/m.exec(res.stdout)![1]!;
    const version = (cri.runtime.v1.RuntimeService as any).service.Version.responseDeserialize(Buffer.from(hex, 'hex'));
    const expected = await call(d.runtime, 'Version', {});
    assert.deepEqual(version, expected, 'the Go client got the same answer as grpc-js');
    assert.equal(version.runtimeName, 'wincri');
  } finally {
    plain.forceShutdown();
    await d.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
