/**
 * Work and calls in flight as the process's idle collection (src/util/idle-gc.ts) sees them: no collection while
 * one is in flight, the busy trim (busy-trim.ts, a counting stand-in here) told when it ends, and nothing allocated
 * per call on the begin/end path. Through the gRPC edge too: a lean list call answered later and a call that is work.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { status as Status } from '@grpc/grpc-js';
import { configureIdleGc, holdIdleGc, idleGcCallBegins, idleGcCallEnds, idleGcCollections, idleGcWorkBegins, idleGcWorkEnds, touchIdleGc } from '../../../src/util/idle-gc.js';
import { wrapUnary } from '../../../src/cri/handler.js';
import { createRpcMetrics } from '../../../src/cri/rpc-metrics.js';
import type { CriContext } from '../../../src/cri/context.js';

let told = 0;
// A counting stand-in for the busy trim, made at this process's first work as the real one would be.
configureIdleGc({ busyTrim: () => ({ afterWork: () => { told++; }, trimmed: () => undefined, running: false }) });

/** Runs `fn` with Node's setTimeout mocked (the idle check's timer); `tick(n)` moves n seconds on. */
function withTimers(fn: (tick: (seconds: number) => void) => Promise<void> | void): Promise<void> {
  mock.timers.enable({ apis: ['setTimeout'] });
  const tick = (seconds: number) => { for (let s = 0; s < seconds; s++) mock.timers.tick(1000); };
  return Promise.resolve().then(() => fn(tick)).finally(() => mock.timers.reset());
}

/** Asserts that no collection runs for ten seconds of `what` in flight, then that one runs two quiet periods after its end. */
async function heldThenCollected(tick: (s: number) => void, what: string, end: () => Promise<void> | void): Promise<void> {
  const before = idleGcCollections();
  const toldBefore = told;
  tick(10);
  assert.equal(idleGcCollections(), before, `no collection while ${what} is in flight`);
  assert.equal(told, toldBefore, `the busy trim is not told before ${what} ends`);
  await end();
  assert.equal(told, toldBefore + 1, `the busy trim is told once when ${what} ends`);
  tick(1);
  assert.equal(idleGcCollections(), before, 'the end is work: that period is not quiet');
  tick(1);
  assert.equal(idleGcCollections(), before + 1, 'one collection after a quiet period');
}

test('work in flight holds the idle collection; its end tells the busy trim', () => withTimers(async (tick) => {
  idleGcWorkBegins();
  await heldThenCollected(tick, 'work', idleGcWorkEnds);
}));

test('a call in flight that is no work holds the collection too; its end tells the busy trim', () => withTimers(async (tick) => {
  touchIdleGc(); // a check is pending (a call that is no work arms none)
  idleGcCallBegins();
  await heldThenCollected(tick, 'a call', idleGcCallEnds);
}));

test("a hold's release works once: a second one neither tells the busy trim again nor ends other work", () => withTimers(async (tick) => {
  const release = holdIdleGc();
  await heldThenCollected(tick, 'a hold', () => { release(); release(); });
  idleGcWorkBegins();
  const before = idleGcCollections();
  tick(10);
  assert.equal(idleGcCollections(), before, 'later work still holds the collection');
  idleGcWorkEnds();
  tick(2);
  assert.equal(idleGcCollections(), before + 1);
}));

const ctx = { isReady: () => true, metrics: createRpcMetrics(new Registry()) } as unknown as CriContext;

/** Calls `method` through the edge with a handler that answers when the returned `answer` is called. */
function pendingCall(method: string): { answer: (v: object) => void; reply: Promise<number> } {
  let answer!: (v: object) => void;
  const h = wrapUnary('RuntimeService', method, ctx, () => new Promise<object>((resolve) => { answer = resolve; }));
  const reply = new Promise<number>((resolve) => {
    h({ request: {} } as never, ((e: { code: number } | null) => resolve(e ? e.code : Status.OK)) as never);
  });
  return { answer: (v) => answer(v), reply };
}

for (const [method, kind] of [['ListContainers', 'a lean list call'], ['PodSandboxStatus', 'a polling call'], ['CreateContainer', 'a call that is work']] as const) {
  test(`through the edge, ${kind} (${method}) answered later: held while pending, the busy trim told at its end`, () => withTimers(async (tick) => {
    touchIdleGc(); // a check is pending (a polling call arms none)
    const c = pendingCall(method);
    await heldThenCollected(tick, method, async () => {
      c.answer({});
      assert.equal(await c.reply, Status.OK);
    });
  }));
}

test('beginning and ending work or a call allocates nothing per call, the busy trim told included, optimized or not', { skip: !process.versions.node.startsWith('20.') && 'measured on Node 20' }, () => {
  // In a child whose young generation holds what 200 000 calls could allocate without a scavenge, the heap grows by
  // what they allocate. A hold (a closure per call, kept) is the control that shows the measurement sees allocations.
  // Twice: as V8 runs it (optimized once TurboFan has compiled it, which on a loaded host may come late in the
  // window), and with --no-opt, the code that runs before that and after a deopt: a function whose variables an inner
  // function captures allocates its context at every call there (88 bytes a pair did: the test failed under load).
  // Each case in a child of its own, so that one case's allocations cannot bring a scavenge into another's window.
  const mod = fileURLToPath(new URL('../../../src/util/idle-gc.js', import.meta.url));
  const cases = {
    work: '() => { m.idleGcWorkBegins(); m.idleGcWorkEnds(); }',
    call: '() => { m.idleGcCallBegins(); m.idleGcCallEnds(); }',
    hold: '() => { kept = m.holdIdleGc(); kept(); }',
  };
  const env = { ...process.env };
  delete env.WINCRI_BUSY_TRIM;
  for (const flags of [[], ['--no-opt']]) {
    const bytes: Record<string, number> = {};
    for (const [name, f] of Object.entries(cases)) {
      const script = `import('${mod}').then((m) => {
        let kept;
        const f = ${f};
        for (let i = 0; i < 50000; i++) f();
        const a = process.memoryUsage().heapUsed;
        for (let i = 0; i < 200000; i++) f();
        console.log(process.memoryUsage().heapUsed - a);
      })`;
      const r = spawnSync(process.execPath, [...flags, '--min-semi-space-size=64', '--max-semi-space-size=64', '-e', script], { encoding: 'utf8', timeout: 60_000, env });
      bytes[name] = Number(r.stdout.trim());
    }
    const seen = `${flags.join(' ') || 'default flags'}: ${JSON.stringify(bytes)} bytes`;
    assert.ok(bytes.hold > 10_000_000, `the control allocates (${seen})`);
    assert.ok(bytes.work < 1_000_000 && bytes.call < 1_000_000, `under 5 bytes a call (${seen})`);
  }
});

test('the idle collection is configured before any work; once work has begun a configure throws and the busy trim stays', () => {
  touchIdleGc(); // work has begun in this process (the tests above did some too): the stand-in is made then
  assert.throws(() => configureIdleGc({ busyTrim: () => null }), /set up at its first work; configure it before any/);
  const before = told;
  touchIdleGc();
  assert.equal(told, before + 1, 'the busy trim made at the first work is still the one told');
});
