/** Builds the RuntimeService and ImageService implementations from one handler per RPC. */
import { decodingService } from './undecodable.js';
import type * as grpc from '@grpc/grpc-js';
import type { CriContext } from './context.js';
import { loadCri } from './proto.js';
import { withEncodedLists } from './list-encoding.js';
import { withStableResponses } from './stable-responses.js';
import { wrapUnary, wrapLean, wrapServerStream, type UnaryFn, type LeanFn, type StreamFn } from './handler.js';
import { LEAN } from './method-classes.js';
import { addLeanRoute } from './lean/routes.js';
import { version } from './runtime-service/version.js';
import { status } from './runtime-service/status.js';
import { runtimeConfig } from './runtime-service/runtime-config.js';
import { updateRuntimeConfig } from './runtime-service/update-runtime-config.js';
import { runPodSandbox } from './runtime-service/run-pod-sandbox.js';
import { stopPodSandbox } from './runtime-service/stop-pod-sandbox.js';
import { removePodSandbox } from './runtime-service/remove-pod-sandbox.js';
import { podSandboxStatus } from './runtime-service/pod-sandbox-status.js';
import { listPodSandbox } from './runtime-service/list-pod-sandbox.js';
import { createContainer } from './runtime-service/create-container.js';
import { startContainer } from './runtime-service/start-container.js';
import { stopContainer } from './runtime-service/stop-container.js';
import { removeContainer } from './runtime-service/remove-container.js';
import { listContainers } from './runtime-service/list-containers.js';
import { containerStatus } from './runtime-service/container-status.js';
import { updateContainerResources } from './runtime-service/update-container-resources.js';
import { reopenContainerLog } from './runtime-service/reopen-container-log.js';
import { execSync } from './runtime-service/exec-sync.js';
import { containerStats } from './runtime-service/container-stats.js';
import { listContainerStats } from './runtime-service/list-container-stats.js';
import { podSandboxStats } from './runtime-service/pod-sandbox-stats.js';
import { listPodSandboxStats } from './runtime-service/list-pod-sandbox-stats.js';
import { getContainerEvents } from './runtime-service/get-container-events.js';
import { listMetricDescriptors, listPodSandboxMetrics } from './runtime-service/pod-metrics.js';
import {
  streamPodSandboxes, streamContainers, streamContainerStats, streamPodSandboxStats, streamPodSandboxMetrics,
} from './runtime-service/stream-lists.js';
import { exec } from './runtime-service/exec.js';
import { attach } from './runtime-service/attach.js';
import { portForward } from './runtime-service/port-forward.js';
import { checkpointContainer, updatePodSandboxResources } from './runtime-service/unimplemented.js';
import { listImages } from './image-service/list-images.js';
import { imageStatus } from './image-service/image-status.js';
import { removeImage } from './image-service/remove-image.js';
import { imageFsInfo } from './image-service/image-fs-info.js';
import { pullImage } from './image-service/pull-image.js';
import { streamImages } from './image-service/stream-images.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyUnary = UnaryFn<any, any>;
type AnyLean = LeanFn<any, any>;
type AnyStream = StreamFn<any, any>;

/** The lean methods (./method-classes.ts LEAN): their handlers read nothing of the call but what the lean path has. */
const RUNTIME_LEAN: Record<string, AnyLean> = {
  Version: version, RuntimeConfig: runtimeConfig, ListPodSandbox: listPodSandbox, ListContainers: listContainers,
};
const RUNTIME_UNARY: Record<string, AnyUnary> = {
  Status: status, UpdateRuntimeConfig: updateRuntimeConfig,
  RunPodSandbox: runPodSandbox, StopPodSandbox: stopPodSandbox, RemovePodSandbox: removePodSandbox,
  PodSandboxStatus: podSandboxStatus,
  CreateContainer: createContainer, StartContainer: startContainer, StopContainer: stopContainer,
  RemoveContainer: removeContainer, ContainerStatus: containerStatus,
  UpdateContainerResources: updateContainerResources, ReopenContainerLog: reopenContainerLog, ExecSync: execSync,
  Exec: exec, Attach: attach, PortForward: portForward,
  ContainerStats: containerStats, ListContainerStats: listContainerStats,
  PodSandboxStats: podSandboxStats, ListPodSandboxStats: listPodSandboxStats,
  CheckpointContainer: checkpointContainer, ListMetricDescriptors: listMetricDescriptors,
  ListPodSandboxMetrics: listPodSandboxMetrics, UpdatePodSandboxResources: updatePodSandboxResources,
};
const RUNTIME_STREAM: Record<string, AnyStream> = {
  GetContainerEvents: getContainerEvents, StreamPodSandboxes: streamPodSandboxes, StreamContainers: streamContainers,
  StreamContainerStats: streamContainerStats, StreamPodSandboxStats: streamPodSandboxStats,
  StreamPodSandboxMetrics: streamPodSandboxMetrics,
};
const IMAGE_UNARY: Record<string, AnyUnary> = {
  ListImages: listImages, ImageStatus: imageStatus, PullImage: pullImage, RemoveImage: removeImage, ImageFsInfo: imageFsInfo,
};
const IMAGE_STREAM: Record<string, AnyStream> = { StreamImages: streamImages };

/**
 * The grpc-js implementation of one service; its lean methods (./method-classes.ts) are also registered as routes
 * of `server` that the edge serves beneath grpc-js (./lean/install.ts), with the same handler and (de)serializers.
 */
function implement(server: grpc.Server, service: string, definition: grpc.ServiceDefinition, unary: Record<string, AnyUnary>, stream: Record<string, AnyStream>, ctx: CriContext, lean: Record<string, AnyLean> = {}): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(definition)) {
    const method = name;
    if (def.responseStream) {
      const fn = stream[method];
      if (!fn) throw new Error(`no handler for streaming RPC ${service}/${method}`);
      impl[method] = wrapServerStream(service, method, ctx, fn) as grpc.UntypedHandleCall;
    } else if (LEAN.has(method)) {
      const fn = lean[method];
      if (!fn) throw new Error(`no lean handler for RPC ${service}/${method}`);
      const handle = wrapLean(service, method, ctx, fn, def.responseSerialize);
      impl[method] = handle as grpc.UntypedHandleCall;
      addLeanRoute(server, { path: def.path, deserialize: def.requestDeserialize, serialize: def.responseSerialize, handle });
    } else {
      const fn = unary[method];
      if (!fn) throw new Error(`no handler for RPC ${service}/${method}`);
      impl[method] = wrapUnary(service, method, ctx, fn, def.responseSerialize) as grpc.UntypedHandleCall;
    }
  }
  return impl;
}

export function addCriServices(server: grpc.Server, ctx: CriContext): void {
  const cri = loadCri();
  const rs = decodingService(withStableResponses(withEncodedLists(cri.runtime.v1.RuntimeService.service), ['Version', 'RuntimeConfig']));
  const is = decodingService(cri.runtime.v1.ImageService.service);
  server.addService(rs, implement(server, 'RuntimeService', rs, RUNTIME_UNARY, RUNTIME_STREAM, ctx, RUNTIME_LEAN));
  server.addService(is, implement(server, 'ImageService', is, IMAGE_UNARY, IMAGE_STREAM, ctx));
}
