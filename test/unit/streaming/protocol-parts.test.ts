import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenCache } from '../../../src/streaming/tokens.js';
import { isRuntimeError } from '../../../src/errors.js';
import {
  SPDY_EXEC_PROTOCOLS, WS_EXEC_PROTOCOLS, negotiate, parseOffers, protocolVersion, V1, V2, V3, V4, V5,
} from '../../../src/streaming/remotecommand/protocols.js';
import { statusFor, statusJson } from '../../../src/streaming/remotecommand/status.js';
import { ResizeDecoder } from '../../../src/streaming/remotecommand/resize.js';
import { reachableHost, baseUrl } from '../../../src/streaming/address.js';

test('tokens: 8 URL-safe characters, single use, expire after the TTL, bounded', () => {
  let now = 1000;
  const c = new TokenCache<string>({ ttlMs: 60_000, max: 3, now: () => now });
  const a = c.add('a');
  assert.match(a, /^[A-Za-z0-9_-]{8}$/);
  assert.equal(c.peek(a), 'a');
  assert.equal(c.consume(a), 'a');
  assert.equal(c.consume(a), undefined, 'second use');
  const b = c.add('b');
  now += 60_000;
  assert.equal(c.consume(b), undefined, 'expired');
  c.add('x'); c.add('y'); c.add('z');
  assert.throws(() => c.add('w'), (e) => isRuntimeError(e, 'ResourceExhausted') && /3/.test(e.message));
  now += 60_001;
  assert.equal(c.size, 0, 'expired tokens free their slots');
  assert.doesNotThrow(() => c.add('w'));
});

test('negotiation: first client offer the server supports; client-go and crictl offers', () => {
  const clientGo = parseOffers([V5, V4, V3, V2, V1]);
  assert.equal(negotiate(clientGo, SPDY_EXEC_PROTOCOLS), V4, 'SPDY settles on v4');
  assert.equal(negotiate(parseOffers(`${V3}, ${V2}`), SPDY_EXEC_PROTOCOLS), V3, 'comma-separated');
  assert.equal(negotiate([V5], SPDY_EXEC_PROTOCOLS), undefined, 'v5 is WebSocket-only');
  assert.equal(negotiate([V5], WS_EXEC_PROTOCOLS), V5, 'crictl websocket');
  assert.equal(negotiate(['v4.base64.channel.k8s.io'], WS_EXEC_PROTOCOLS), 'v4.base64.channel.k8s.io');
  assert.deepEqual([V1, V2, V3, V4, V5, 'v4.base64.channel.k8s.io', ''].map(protocolVersion), [1, 2, 3, 4, 5, 4, 1]);
});

test('status: v4 JSON for success, exit code and internal error; v1–v3 text only on failure', () => {
  assert.deepEqual(JSON.parse(statusJson({ kind: 'success' })), { metadata: {}, status: 'Success' });
  const exit = JSON.parse(statusJson({ kind: 'exit', exitCode: 3 }));
  assert.equal(exit.status, 'Failure');
  assert.equal(exit.reason, 'NonZeroExitCode');
  assert.deepEqual(exit.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  const internal = JSON.parse(statusJson({ kind: 'error', message: 'container is gone' }));
  assert.equal(internal.reason, 'InternalError');
  assert.equal(internal.code, 500);
  assert.match(internal.message, /^Internal error occurred: container is gone/);
  assert.equal(statusFor(3, { kind: 'success' }), undefined);
  assert.equal(statusFor(2, { kind: 'exit', exitCode: 7 }), 'command terminated with non-zero exit code: exit status 7');
  assert.ok(statusFor(4, { kind: 'success' })!.endsWith('\n'));
});

test('resize: newline-separated JSON in any chunking, case-insensitive keys, zero sizes dropped, junk rejected', () => {
  const d = new ResizeDecoder();
  const text = '{"Width":80,"Height":24}\n{"width":0,"height":10}\n{"Width":120,"Height":40}{"Height":50,"Width":200}\n';
  const got = [];
  for (const ch of text) got.push(...d.push(ch));
  assert.deepEqual(got, [{ width: 80, height: 24 }, { width: 120, height: 40 }, { width: 200, height: 50 }]);
  assert.throws(() => new ResizeDecoder().push('hello'), /JSON object/);
  assert.throws(() => new ResizeDecoder().push('{"Width":-1,"Height":2}'), /0-65535/);
  assert.throws(() => new ResizeDecoder().push('{"Width":' + ' '.repeat(5000)), /too long/);
});

test('URL host: the bind address, or a reachable address for a wildcard bind', () => {
  const ifs = { lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }], eth0: [{ address: '10.1.2.3', family: 'IPv4', internal: false }, { address: 'fd00::5', family: 'IPv6', internal: false }] } as never;
  assert.equal(reachableHost('127.0.0.1', ifs), '127.0.0.1');
  assert.equal(reachableHost('0.0.0.0', ifs), '10.1.2.3');
  assert.equal(reachableHost('::', ifs), 'fd00::5');
  assert.equal(reachableHost('0.0.0.0', {}), '127.0.0.1');
  assert.equal(baseUrl('http', 'fd00::5', 10010), 'http://[fd00::5]:10010');
  assert.equal(baseUrl('https', '10.1.2.3', 443), 'https://10.1.2.3:443');
});
