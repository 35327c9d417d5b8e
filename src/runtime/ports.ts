/**
 * What the runtime needs from the services beside it (images, container IO). Defined here, implemented by
 * src/images and src/container-io, adapted in src/daemon/wire.ts — so the runtime is testable with doubles.
 */
import type { Readable, Writable } from 'node:stream';
import type { ProcessParametersDoc } from '../platform/hcs/schema/index.js';
import type { SystemKind } from '../platform/backends.js';

export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  env: string[];
  entrypoint: string[];
  cmd: string[];
  workingDir: string;
  user: string;
  /** Read-only layer folders, top-most first, base last. */
  layerPaths: string[];
  /** Windows build the image was made for (image config os.version), when it says. */
  osVersion?: string;
}

export interface ImageProvider {
  /** Resolves an image by ID, ID prefix, tag or digest reference; NotFound RuntimeError if absent. */
  resolveForContainer(ref: string): Promise<ImageInfo>;
  /** Marks the image as used by the container (RemoveImage refuses while used). */
  acquire(imageId: string, containerId: string): Promise<void>;
  release(containerId: string): Promise<void>;
}

export interface ExitReport {
  containerId: string; pid: number; exitCode: number; exitedAt: string;
  /**
   * The keeper asked the container's system to shut down already (processes left behind held the init's stdio):
   * the runtime waits for it to stop without asking again. Absent from keepers before it: the runtime asks.
   */
  shutdownAsked?: boolean;
  /** With shutdownAsked: the keeper's ask got no answer (timed out, cut off); it may have been delivered. */
  shutdownUnconfirmed?: boolean;
  /** The keeper saw the system's OOM count above 0 at the exit (its system may be gone since). Absent from keepers before it. */
  oomKilled?: boolean;
}

/** A live attachment to a container's init process stdio, held by the IO keeper (see src/container-io/attach-*). */
export interface KeeperAttachment {
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  resize(width: number, height: number): Promise<void>;
  /** The container's exit code; `detached` when the attachment ended without an exit (stdin closed, no stdin_once). */
  readonly exited: Promise<{ exitCode: number; detached?: boolean }>;
  /** Detaches; never affects the container. */
  close(): Promise<void>;
}

/** The per-node IO keeper: owns container init-process stdio and CRI log files (outlives the daemon). */
export interface IoKeeper {
  start(req: {
    containerId: string; systemId: string; process: ProcessParametersDoc; logPath: string; maxLineSize: number;
    /** Which platform service opens systemId (absent = compute). */
    backend?: SystemKind;
    /** Container config stdin_once / tty: how attach sessions treat the process's stdin and console. */
    stdinOnce?: boolean; tty?: boolean;
  }): Promise<{ pid: number }>;
  /** Attaches to a running container's stdio: live output (nothing replayed), stdin, console resize. */
  attach(containerId: string, io: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<KeeperAttachment>;
  reopenLog(containerId: string): Promise<void>;
  list(): Promise<{
    containerId: string; systemId: string; pid: number; logPath: string; startedAt?: string;
    exited?: { exitCode: number; exitedAt: string; shutdownAsked?: boolean; shutdownUnconfirmed?: boolean; oomKilled?: boolean };
  }[]>;
  ack(containerId: string): Promise<void>;
  forget(containerId: string): Promise<void>;
  onExit(cb: (e: ExitReport) => void): void;
}

// The pod network request/status types are defined once by the network service (src/network).
export type { PodNetworkRequest, PodNetworkStatus, PodNetworkAttachment } from '../network/index.js';
import type { PodNetworkRequest, PodNetworkStatus, PodNetworkAttachment } from '../network/index.js';

/** Pod networking through CNI (src/network), adapted in src/daemon/wire.ts. */
export interface PodNetwork {
  /** NetworkReady condition: ready once a valid configuration (and, for CNI ≥ 1.1, a ready plugin) exists. */
  status(): Promise<PodNetworkStatus>;
  /**
   * CNI ADD for the pod; on failure everything it created is removed again (DEL) before it rejects. It resolves
   * once the plugins succeeded; `recorded` (the cached result's write) may still be in flight: the caller awaits
   * it, and on its failure tears the attachment down (tearDown) as for any later failure.
   */
  setUp(req: PodNetworkRequest): Promise<PodNetworkAttachment>;
  /** CNI DEL with the configuration and result ADD recorded; idempotent. */
  tearDown(req: PodNetworkRequest): Promise<void>;
  /** CNI CHECK of an attached pod (no-op where the plugin or configuration does not support it). */
  check(req: PodNetworkRequest): Promise<void>;
  /**
   * The pods with a recorded attachment (ADD done or under way, no DEL since): recovery's evidence of a DEL.
   * Undefined when that is unknown (the records' directory is missing); rejects when the records cannot be read.
   */
  attachedPods(): Promise<string[] | undefined>;
  /** Removes attachments of pods not in `validSandboxIds` (DEL from the cache, then CNI GC). */
  gc(validSandboxIds: string[]): Promise<void>;
  /** Node pod CIDR from UpdateRuntimeConfig (renders the configuration template, feeds ipRanges). */
  setPodCidr(cidr: string): Promise<void>;
}
