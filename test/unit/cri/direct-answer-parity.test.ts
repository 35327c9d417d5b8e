/**
 * An answer the edge writes on the stream (src/cri/direct-answer.ts) against the same method answered through
 * grpc-js's callback, seen by Node's own http2 client: equal `:status`, content-type, grpc-* headers, messages
 * and trailers, on both of src/cri/h2-one-write.ts's paths (the one-write one of Node 20, and the public one other
 * Node versions take, forced here): a small answer, a ~300 KB one (held back by flow control on the way), and one
 * whose deadline passes while flow control holds it back (grpc-js's timer then sends DEADLINE_EXCEEDED).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forcePublicPathForTests } from '../../../src/cri/h2-one-write.js';
import { DIRECT_MODE } from '../../../src/cri/direct-answer-gate.js';
import { rawServer, rawUnary, type CallOptions, type RawAnswer } from '../../helpers/grpc-unary-raw.js';
import { versionService, versionOf, VERSION_PATH, type VersionReq } from '../../helpers/version-service.js';

const svc = versionService();
const PATHS = [['callback', false, false], ['direct, one write', true, false], ['direct, public path', true, true]] as const;

/** The answer to `req` on each path; asserts each direct one left without grpc-js's serializer (grpc-js did not answer). */
async function onEachPath(req: VersionReq, o: CallOptions = {}, settings = {}): Promise<Map<string, RawAnswer>> {
  const out = new Map<string, RawAnswer>();
  for (const [name, direct, publicPath] of PATHS) {
    const s = await rawServer(svc.def, svc.impl(direct), {}, settings);
    forcePublicPathForTests(publicPath);
    try {
      const before = svc.grpcJsSerialized();
      out.set(name, await rawUnary(s.session, VERSION_PATH, svc.request(req), o));
      assert.equal(svc.grpcJsSerialized() - before, direct ? 0 : 1, `${name}: answered by ${direct ? 'the edge' : 'grpc-js'}`);
    } finally {
      forcePublicPathForTests(false);
      await s.close();
    }
  }
  return out;
}

function assertSame(answers: Map<string, RawAnswer>): RawAnswer {
  const ref = answers.get('callback')!;
  for (const [name, a] of answers) {
    assert.deepEqual(a.headers, ref.headers, `${name}: response headers`);
    assert.deepEqual(a.trailers, ref.trailers, `${name}: trailers`);
    assert.deepEqual(a.messages.map((m) => svc.decode(m)), ref.messages.map((m) => svc.decode(m)), `${name}: messages`);
  }
  return ref;
}

test('the direct answer is active on this machine (Node 20, grpc-js 1.14.x)', { skip: !process.versions.node.startsWith('20.') }, () => {
  assert.equal(DIRECT_MODE, 'one-write');
});

test('a small answer: same headers, message and trailers as grpc-js on both paths', async () => {
  const ref = assertSame(await onEachPath({ version: 'v1' }));
  assert.equal(ref.headers[':status'], '200');
  assert.equal(ref.headers['content-type'], 'application/grpc+proto');
  assert.deepEqual(ref.trailers, { 'grpc-status': '0', 'grpc-message': 'OK' });
  assert.deepEqual(svc.decode(ref.messages[0]!), versionOf({ version: 'v1' }));
});

test('a ~300 KB answer: same content and status on both paths', async () => {
  const ref = assertSame(await onEachPath({ version: 'big' }));
  assert.equal(ref.messages.length, 1);
  assert.equal(svc.decode(ref.messages[0]!).runtimeVersion.length, 300_000);
  assert.equal(ref.trailers['grpc-status'], '0');
});

test('a deadline passing while flow control holds the answer back: DEADLINE_EXCEEDED as grpc-js sends it', async () => {
  // The client's 1 KiB stream window stops the answer after its first KiB; the client holds it there from the
  // response headers until past the server's deadline (which started before those headers were sent).
  const timeoutMs = 2000;
  const held = async (): Promise<void> => {
    const until = Date.now() + timeoutMs + 50;
    while (Date.now() < until) await new Promise((r) => setTimeout(r, until - Date.now()));
  };
  const ref = assertSame(await onEachPath({ version: 'big' }, { timeout: `${timeoutMs}m`, held }, { initialWindowSize: 1024 }));
  assert.equal(ref.headers[':status'], '200');
  assert.equal(ref.headers['grpc-status'], undefined, 'the answer had started (not trailers-only)');
  assert.deepEqual(ref.trailers, { 'grpc-status': '4', 'grpc-message': 'Deadline%20exceeded' });
});
