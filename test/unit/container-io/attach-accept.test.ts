/**
 * The keeper's attach request (attach-accept.ts) for a container whose stdio is not there: while a restarted keeper
 * is still taking it back the answer is Unavailable (retry), after that FailedPrecondition naming why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { acceptAttach, type AttachTarget } from '../../../src/container-io/attach-accept.js';
import type { WireError } from '../../../src/container-io/protocol.js';

function answer(target: AttachTarget): WireError | undefined {
  let got: { error?: WireError } | undefined;
  const sock = { removeAllListeners: () => sock } as unknown as Socket;
  acceptAttach(sock, 1, { containerId: 'c1', stdin: true, stdout: true }, () => target, (m) => { got = m as typeof got; }, false);
  return got?.error;
}

test('attach while a restarted keeper takes the container back: Unavailable, then FailedPrecondition once its stdio is known lost', () => {
  const target: AttachTarget = { phase: 'running', record: { recovered: true }, recovering: true };
  const during = answer(target);
  assert.equal(during?.code, 'Unavailable');
  assert.match(during!.message, /still taking container c1 back; retry/);
  target.recovering = false;
  const after = answer(target);
  assert.equal(after?.code, 'FailedPrecondition');
  assert.match(after!.message, /stdio of container c1 was lost when the IO keeper restarted/);
});
