/**
 * The idle collection (util/idle-gc.ts) waits for every RPC in flight: a call slower than the quiet period (pod
 * creation on a loaded host) once let the check take the time after its start for a quiet spell, and a compacting GC
 * ran in the middle of it. The check's timers are Node's, mocked here; the process's idle collector is this file's.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { wrapUnary } from '../../../src/cri/handler.js';
import { createRpcMetrics } from '../../../src/cri/rpc-metrics.js';
import type { CriContext } from '../../../src/cri/context.js';
import { idleGcCollections } from '../../../src/util/idle-gc.js';

test('no idle collection while a slow RPC is in flight; one once it has ended and a quiet period passed', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const ctx = { isReady: () => true, metrics: createRpcMetrics(new Registry()) } as unknown as CriContext;
    let answer!: (v: object) => void;
    const h = wrapUnary('RuntimeService', 'CreateContainer', ctx, () => new Promise<object>((resolve) => { answer = resolve; }));
    const reply = new Promise<number>((resolve) => {
      h({ request: {} } as never, ((e: { code: number } | null) => resolve(e ? e.code : Status.OK)) as never);
    });
    const before = idleGcCollections();
    for (let s = 0; s < 10; s++) mock.timers.tick(1000); // ten seconds of a call that has not returned
    assert.equal(idleGcCollections(), before, 'no collection during the call');
    answer({ containerId: 'c' });
    assert.equal(await reply, Status.OK);
    mock.timers.tick(1000); // the end is work: this period is not quiet
    assert.equal(idleGcCollections(), before);
    mock.timers.tick(1000);
    assert.equal(idleGcCollections(), before + 1, 'one collection after the quiet period');
  } finally {
    mock.timers.reset();
  }
});
