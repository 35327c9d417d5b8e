import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { currentContext, openContextScope, runInContext, type RequestContext } from '../../../src/util/request-context.js';

const ctx = (request: string): RequestContext => ({ fields: { request } });
const fieldOf = () => currentContext()?.fields?.['request'];

test('a context rides across awaits while its scope is open', async () => {
  const release = openContextScope();
  const seen = await runInContext(ctx('a'), async () => { await tick(); await new Promise((r) => setTimeout(r, 1)); return fieldOf(); });
  release();
  assert.equal(seen, 'a');
});

test('closing one scope keeps the contexts of the others (and their continuations created before) intact', async () => {
  const releaseA = openContextScope();
  const releaseB = openContextScope();
  let goB!: () => void;
  const gate = new Promise<void>((r) => { goB = r; });
  const b = runInContext(ctx('b'), async () => { await gate; await tick(); return fieldOf(); });
  await runInContext(ctx('a'), async () => { await tick(); });
  releaseA();
  releaseA(); // a second release of the same scope does not close another one
  goB();
  assert.equal(await b, 'b');
  // B's scope is still open: a new context still propagates.
  assert.equal(await runInContext(ctx('c'), async () => { await tick(); return fieldOf(); }), 'c');
  releaseB();
});

test('once the last scope closes no context is seen, and the next context works again', async () => {
  const release = openContextScope();
  let later!: Promise<unknown>;
  await runInContext(ctx('d'), async () => {
    await tick();
    release();
    // Work the request left running after its release: it no longer carries the context.
    later = (async () => { await tick(); return fieldOf(); })();
  });
  assert.equal(await later, undefined);
  assert.equal(fieldOf(), undefined);
  const again = openContextScope();
  assert.equal(await runInContext(ctx('e'), async () => { await tick(); return fieldOf(); }), 'e');
  again();
});
