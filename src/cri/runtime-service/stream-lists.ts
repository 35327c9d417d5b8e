/** List streaming (CRIListStreaming, 1.36): the unary result sent in chunks, every item exactly once. */
import type * as grpc from '@grpc/grpc-js';
import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { listPodSandbox } from './list-pod-sandbox.js';
import { listContainers } from './list-containers.js';
import { listContainerStats } from './list-container-stats.js';
import { listPodSandboxStats } from './list-pod-sandbox-stats.js';
import { listPodSandboxMetrics } from './pod-metrics.js';

const CHUNK = 1000;

function sendChunks<I, R>(call: grpc.ServerWritableStream<unknown, R>, items: I[], wrap: (chunk: I[]) => R): void {
  if (items.length === 0) return;
  for (let i = 0; i < items.length; i += CHUNK) call.write(wrap(items.slice(i, i + CHUNK)));
}

export async function streamPodSandboxes(req: T.StreamPodSandboxesRequest__Output, ctx: CriContext, call: grpc.ServerWritableStream<T.StreamPodSandboxesRequest__Output, T.StreamPodSandboxesResponse>): Promise<void> {
  const { items } = await listPodSandbox({ filter: req.filter } as T.ListPodSandboxRequest__Output, ctx);
  sendChunks(call as grpc.ServerWritableStream<unknown, T.StreamPodSandboxesResponse>, items ?? [], (c) => ({ podSandboxes: c }));
}

export async function streamContainers(req: T.StreamContainersRequest__Output, ctx: CriContext, call: grpc.ServerWritableStream<T.StreamContainersRequest__Output, T.StreamContainersResponse>): Promise<void> {
  const { containers } = await listContainers({ filter: req.filter } as T.ListContainersRequest__Output, ctx);
  sendChunks(call as grpc.ServerWritableStream<unknown, T.StreamContainersResponse>, containers ?? [], (c) => ({ containers: c }));
}

export async function streamContainerStats(req: T.StreamContainerStatsRequest__Output, ctx: CriContext, call: grpc.ServerWritableStream<T.StreamContainerStatsRequest__Output, T.StreamContainerStatsResponse>): Promise<void> {
  const { stats } = await listContainerStats({ filter: req.filter } as T.ListContainerStatsRequest__Output, ctx);
  sendChunks(call as grpc.ServerWritableStream<unknown, T.StreamContainerStatsResponse>, stats ?? [], (c) => ({ containerStats: c }));
}

export async function streamPodSandboxStats(req: T.StreamPodSandboxStatsRequest__Output, ctx: CriContext, call: grpc.ServerWritableStream<T.StreamPodSandboxStatsRequest__Output, T.StreamPodSandboxStatsResponse>): Promise<void> {
  const { stats } = await listPodSandboxStats({ filter: req.filter } as T.ListPodSandboxStatsRequest__Output, ctx);
  sendChunks(call as grpc.ServerWritableStream<unknown, T.StreamPodSandboxStatsResponse>, stats ?? [], (c) => ({ podSandboxStats: c }));
}

export async function streamPodSandboxMetrics(_req: T.StreamPodSandboxMetricsRequest__Output, ctx: CriContext, call: grpc.ServerWritableStream<T.StreamPodSandboxMetricsRequest__Output, T.StreamPodSandboxMetricsResponse>): Promise<void> {
  const { podMetrics } = await listPodSandboxMetrics({} as T.ListPodSandboxMetricsRequest__Output, ctx);
  sendChunks(call as grpc.ServerWritableStream<unknown, T.StreamPodSandboxMetricsResponse>, podMetrics ?? [], (c) => ({ podSandboxMetrics: c }));
}
