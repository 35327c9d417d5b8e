/**
 * How the gRPC edge (handler.ts) treats each CRI method, decided once per method when the handler is wrapped.
 */

/**
 * Served while the runtime is still recovering containers, besides every ImageService RPC (the image store is open
 * before the endpoint exists and never depends on container recovery): the RuntimeService RPCs kubelet validates
 * the connection with, which answer from configuration alone. They also never wait for an RPC slot.
 */
export const ALWAYS: ReadonlySet<string> = new Set(['Version', 'Status', 'RuntimeConfig']);
export const servedWhileRecovering = (service: string, method: string): boolean => service === 'ImageService' || ALWAYS.has(method);

/**
 * Answered synchronously from memory, with no outside call and no log line of their own: Version and RuntimeConfig
 * (configuration), and kubelet's relist, ListPodSandbox and ListContainers (the runtime's records). They are served
 * without a request context (its log fields, its RPC clock) and without an RPC slot, and their handlers return the
 * answer itself rather than a promise, so the reply is sent within the call that received the request. Storing a
 * context is a store switch and makes every promise and async resource of the call carry it; a promise per call
 * and the microtask hop to its reaction came to about a tenth of what the daemon added to a Version call over a
 * bare grpc-js server. A slot bounds work in flight, and a synchronous handler has none in flight beyond its call.
 */
export const LEAN: ReadonlySet<string> = new Set(['Version', 'RuntimeConfig', 'ListPodSandbox', 'ListContainers']);

/** High-rate polling RPCs are logged at debug level only. */
export const QUIET: ReadonlySet<string> = new Set(['Version', 'Status', 'ListPodSandbox', 'ListContainers', 'ContainerStatus', 'PodSandboxStatus',
  'ListContainerStats', 'ContainerStats', 'ListImages', 'ImageStatus', 'ImageFsInfo', 'ListPodSandboxStats', 'PodSandboxStats']);
