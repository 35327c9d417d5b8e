import * as grpc from '@grpc/grpc-js';
import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import type { ContainerEvent } from '../../runtime/runtime.js';
import { containerStatusToCri, podSandboxStatusToCri } from '../convert.js';

/** Evented PLEG: one message per container (or sandbox) lifecycle event until the client goes away. */
export async function getContainerEvents(_req: T.GetEventsRequest__Output, ctx: CriContext, call: grpc.ServerWritableStream<T.GetEventsRequest__Output, T.ContainerEventResponse>): Promise<void> {
  await new Promise<void>((resolve) => {
    const onEvent = (e: ContainerEvent) => {
      let pod: T.PodSandboxStatus | null = null;
      let statuses: T.ContainerStatus[] = [];
      try {
        const s = ctx.runtime.getSandbox(e.sandboxId);
        pod = podSandboxStatusToCri(s);
        statuses = ctx.runtime.containersOf(s.id).map(containerStatusToCri);
      } catch { /* sandbox already removed */ }
      // Runs inside the runtime's emit(): a client that went away must not fail the RPC that emitted the event.
      try {
        call.write({ containerId: e.containerId, containerEventType: e.type, createdAt: e.createdAt, podSandboxStatus: pod, containersStatuses: statuses });
      } catch { stop(); }
    };
    const stop = () => {
      ctx.runtime.events.off('event', onEvent);
      resolve();
    };
    ctx.runtime.events.on('event', onEvent);
    call.on('cancelled', stop);
    call.on('close', stop);
    call.on('error', stop);
    // Headers now, not with the first event: a client that waits for them (grpc-python's initial_metadata(),
    // grpc-go's Header()) knows the subscription is live and no later event can be missed.
    call.sendMetadata(new grpc.Metadata());
  });
}
