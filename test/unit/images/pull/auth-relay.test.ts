/**
 * The auth relay between a layer download on the unpack worker and the daemon's authorizer: headers and challenges
 * reach the daemon's authorizer for the right endpoint, and its failures come back with the kind that decides the
 * gRPC status (FailedPrecondition for refused credentials, an HTTP status for the retry policy) and the same message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError, isRuntimeError } from '../../../../src/errors.js';
import { RelayedAuthorizer, serveAuth, type AuthSource, type AuthRequest } from '../../../../src/images/pull/auth-relay.js';
import { HttpStatusError, unauthenticated } from '../../../../src/images/pull/errors.js';
import type { Endpoint } from '../../../../src/images/pull/endpoints.js';
import type { Challenge } from '../../../../src/images/pull/auth.js';

const ep = (host: string): Endpoint => ({ host, base: `https://${host}`, mirror: false, insecure: false, tls: {} });

/** A worker-side relay wired to `daemon` through structured clones, as postMessage would carry them. */
function wire(daemon: AuthSource, daemonEps: Endpoint[], workerEps: Endpoint[]): RelayedAuthorizer {
  const relay = new RelayedAuthorizer();
  const signal = new AbortController().signal;
  relay.bind(workerEps, (m: AuthRequest) => {
    void serveAuth(daemon, daemonEps, structuredClone(m), signal).then((r) => { if (r) relay.reply(structuredClone(r).authReply); });
  });
  return relay;
}

test('auth relay: the daemon authorizer answers for the endpoint at the same index; challenges reach it', async () => {
  const seen: string[] = [];
  const daemon: AuthSource = {
    authorization: async (e, scope) => { seen.push(`auth ${e.host} ${scope}`); return `Bearer for-${e.host}`; },
    challenged: (e, ch, scope) => { seen.push(`challenge ${e.host} ${ch.scheme} ${ch.params.realm} ${scope}`); },
  };
  const daemonEps = [ep('mirror.example'), ep('registry.example')];
  const workerEps = daemonEps.map((e) => ({ ...e }));
  const relay = wire(daemon, daemonEps, workerEps);
  assert.equal(await relay.authorization(workerEps[1]!, 'repository:a/b:pull'), 'Bearer for-registry.example');
  const ch: Challenge = { scheme: 'bearer', params: { realm: 'https://auth.example/token' } };
  relay.challenged(workerEps[0]!, ch, 'repository:a/b:pull');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['auth registry.example repository:a/b:pull', 'challenge mirror.example bearer https://auth.example/token repository:a/b:pull']);
  await assert.rejects(relay.authorization(ep('other.example'), 's'), /not one of the job's/);
});

test('auth relay: failures keep their kind and message across the thread boundary', async () => {
  const refused = unauthenticated('registry registry.example: the token service https://auth.example/token refused the credentials (HTTP 401)');
  let next: Error = refused;
  const daemon: AuthSource = { authorization: async () => { throw next; }, challenged: () => undefined };
  const eps = [ep('registry.example')];
  const relay = wire(daemon, eps, eps);
  await assert.rejects(relay.authorization(eps[0]!, 's'), (e) => isRuntimeError(e, 'FailedPrecondition') && (e as Error).message === refused.message);
  next = new HttpStatusError(503, 'token service answered HTTP 503');
  await assert.rejects(relay.authorization(eps[0]!, 's'), (e) => e instanceof HttpStatusError && e.status === 503 && !(e instanceof RuntimeError));
});
