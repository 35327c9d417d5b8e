/**
 * What the runtime needs from the services beside it (images, container IO). Defined here, implemented by
 * src/images and src/container-io, adapted in src/daemon/wire.ts — so the runtime is testable with doubles.
 */
import type { ProcessParametersDoc } from '../platform/hcs/schema/index.js';

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
}

export interface ImageProvider {
  /** Resolves an image by ID, ID prefix, tag or digest reference; NotFound RuntimeError if absent. */
  resolveForContainer(ref: string): Promise<ImageInfo>;
  /** Marks the image as used by the container (RemoveImage refuses while used). */
  acquire(imageId: string, containerId: string): Promise<void>;
  release(containerId: string): Promise<void>;
}

export interface ExitReport { containerId: string; pid: number; exitCode: number; exitedAt: string }

/** The per-node IO keeper: owns container init-process stdio and CRI log files (outlives the daemon). */
export interface IoKeeper {
  start(req: { containerId: string; systemId: string; process: ProcessParametersDoc; logPath: string; maxLineSize: number }): Promise<{ pid: number }>;
  reopenLog(containerId: string): Promise<void>;
  list(): Promise<{ containerId: string; systemId: string; pid: number; logPath: string; exited?: { exitCode: number; exitedAt: string } }[]>;
  ack(containerId: string): Promise<void>;
  forget(containerId: string): Promise<void>;
  onExit(cb: (e: ExitReport) => void): void;
}
