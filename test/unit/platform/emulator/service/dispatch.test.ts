/**
 * The service's wire dispatch: a method named like an Object.prototype member is an unknown method (E_NOTIMPL),
 * not a call of that member, and the connection keeps serving afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setup } from '../helpers.js';
import { SOCKET_NAME, LineSplitter, type WireResponse } from '../../../../../src/platform/emulator/protocol.js';
import { HRESULT } from '../../../../../src/platform/hresult.js';

test('emulator service: prototype member names are unknown methods; known ones still answer', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const sock = connect(join(env.dir, 'state', SOCKET_NAME));
  t.after(() => sock.destroy());
  const answers = new Map<number, WireResponse>();
  const all = new Promise<void>((res) => {
    const split = new LineSplitter((line) => {
      const r = JSON.parse(line) as WireResponse;
      answers.set(r.id, r);
      if (answers.size === 7) res();
    });
    sock.on('data', (b: Buffer) => split.push(b));
  });
  const names = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'queryNetwork_'];
  names.forEach((method, i) => sock.write(JSON.stringify({ id: i + 1, method, params: {} }) + '\n'));
  sock.write(JSON.stringify({ id: 99, method: 'hello', params: {} }) + '\n');
  await all;
  names.forEach((method, i) => {
    const r = answers.get(i + 1)!;
    assert.equal(r.result, undefined, `${method} returned a result`);
    assert.equal(r.error?.hresult, HRESULT.E_NOTIMPL, `${method}: ${JSON.stringify(r.error)}`);
    assert.match(r.error!.message, /unknown method/);
  });
  assert.equal(typeof (answers.get(99)!.result as { pid: number }).pid, 'number');
});
