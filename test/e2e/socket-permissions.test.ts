/**
 * The CRI socket is 0660 (owner and group only): a client running as `nobody` — who may traverse to it but is
 * neither its owner nor in its group — is refused, while root in the same moment is served.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, call } from './harness.js';

const skip = process.getuid?.() !== 0 ? 'needs root to run a client as nobody' : spawnSync('setpriv', ['--version']).error ? 'needs setpriv (util-linux)' : false;
const PROTO_MODULE = fileURLToPath(new URL('../../src/cri/proto.js', import.meta.url));
let d: Daemon;

before(async () => { if (skip) return; d = new Daemon('wincri-sockperm'); await d.start(); });
after(async () => { await d?.destroy(); });

/** Runs a Version call as `nobody`; prints OK or the error code and message. */
function versionAsNobody(): { stdout: string; stderr: string; status: number | null } {
  const script = `
    const grpc = await import(${JSON.stringify(import.meta.resolve('@grpc/grpc-js'))});
    const { loadCri } = await import(${JSON.stringify(PROTO_MODULE)});
    const cri = loadCri();
    const c = new cri.runtime.v1.RuntimeService('unix:${d.socket}', grpc.credentials.createInsecure());
    c.Version({}, { deadline: Date.now() + 10000 }, (e, r) => { console.log(e ? 'ERR ' + grpc.status[e.code] + ' ' + e.details : 'OK ' + r.runtimeName); c.close(); });
  `;
  return spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
}

test('the socket is 0660; a client without access is refused; root is served', { skip }, async () => {
  assert.equal(statSync(d.socket).mode & 0o777, 0o660);
  // Let nobody reach the socket (the test's private directories are 0700): only the socket's own mode stands in the way.
  for (let p = dirname(d.socket); p !== '/' && p.startsWith(d.dir); p = dirname(p)) chmodSync(p, 0o711);
  chmodSync(d.dir, 0o711);
  const r = versionAsNobody();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ERR UNAVAILABLE .*(EACCES|permission denied|No connection established)/i, r.stdout + r.stderr);
  assert.ok((await call(d.runtime, 'Version', {})).runtimeName, 'root is served');
  // And with the socket opened up for the check's sake, the same client gets through: the mode was what refused it.
  chmodSync(d.socket, 0o666);
  assert.match(versionAsNobody().stdout, /^OK wincri/);
  chmodSync(d.socket, 0o660);
});
