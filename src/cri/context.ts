import type { Config } from '../config/config.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ImageService } from '../images/service.js';
import type { RpcMetrics } from './rpc-metrics.js';
import type { PlatformCondition } from '../platform/types.js';
import type { Semaphore } from '../util/semaphore.js';

/** What every CRI handler can reach. Built once in src/daemon/wire.ts. */
export interface CriContext {
  runtime: Runtime;
  images: ImageService;
  config: Config;
  metrics?: RpcMetrics;
  /** Bounds the unary RPCs served at once (limits.concurrentRpcs, queue limits.rpcQueueLength); none = unbounded. */
  rpcSlots?: Semaphore;
  /** Bounds the ExecSync commands running at once (limits.concurrentExecSync); none = unbounded. */
  execSyncSlots?: Semaphore;
  /** False while the runtime is recovering state after a start. */
  isReady(): boolean;
  /** Runtime name/version reported by Version. */
  runtimeName: string;
  runtimeVersion: string;
  /** Host OS build and platform backend, for Status info. */
  platformInfo(): Record<string, unknown>;
  /** Platform conditions for Status (e.g. the emulator builds no real networking, and why); none when absent. */
  platformConditions?(): Promise<PlatformCondition[]>;
}
