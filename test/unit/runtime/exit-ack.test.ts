/**
 * The exit of a stopped container is acked to the IO keeper before the stop's waiters wake, but the stop does not
 * wait for the keeper's answer: a keeper whose ack never answers still lets StopContainer return, and the forget
 * RemoveContainer sends afterwards goes out on the keeper socket after that ack (the keeper never forgets an entry
 * before it learned the exit was recorded). Real runtime, keeper and emulator; run under the network lock.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeEnv, runContainer, type RuntimeEnv } from '../../helpers/runtime-env.js';
import type { IoKeeper } from '../../../src/runtime/ports.js';

let env: RuntimeEnv;
let answerAcks!: () => void;
const acksAnswerable = new Promise<void>((r) => { answerAcks = r; });
after(async () => { answerAcks(); await env?.close(); });

/** The keeper's ack is sent (it reaches the keeper) but its answer is held back from the runtime. */
function silentAck(k: IoKeeper): IoKeeper {
  return { ...k, ack: async (id) => { const sent = k.ack(id); await acksAnswerable; await sent; } };
}

test('StopContainer returns while the keeper has not answered the ack; forget goes out on the socket after the ack', async () => {
  // Requests as the keeper client writes them on its connection, in order.
  const written: string[] = [];
  const onRequest = (method: string, params: unknown) => { written.push(`${method} ${(params as { containerId?: string } | undefined)?.containerId ?? ''}`); };
  // The stop's own wait for the exit after terminating (then it records the exit itself) is set beyond the test's
  // timeout: only the keeper's exit report can end this stop.
  env = await runtimeEnv({ streaming: false, wrapKeeper: silentAck, keeperClient: { onRequest }, exitReportWaitMs: 3_600_000 });

  const { podId, id } = await runContainer(env, 'ack-silent', ['sleep', '100000']);
  let answered = false;
  void acksAnswerable.then(() => { answered = true; });
  await env.runtime.stopContainer(id, 0);
  assert.equal(answered, false, 'the stop returned before the keeper answered the ack');
  const rec = env.runtime.getContainer(id);
  assert.equal(rec.state, 'CONTAINER_EXITED');
  // The keeper's report woke the stop, not its bounded wait running out (the runtime then records 137 itself).
  assert.doesNotMatch(rec.message ?? '', /exit status unavailable/, 'the stop was woken by the keeper\'s exit report');
  await env.runtime.removeContainer(id);
  const mine = written.filter((w) => w.endsWith(` ${id}`) && /^(ack|forget) /.test(w));
  assert.deepEqual(mine.slice(0, 2), [`ack ${id}`, `forget ${id}`], `socket requests: ${written.join(', ')}`);
  answerAcks();
  await env.runtime.stopPodSandbox(podId);
  await env.runtime.removePodSandbox(podId);
});
