/**
 * A CRI endpoint under benchmark: wincri (started here on the emulator) or a peer such as containerd. The phases
 * only see this interface, so both run exactly the same client code.
 */
import type * as grpc from '@grpc/grpc-js';

export interface Target {
  name: string;
  endpoint: string;
  runtime: grpc.Client;
  image: grpc.Client;
  /** Image (reference or ID) of the containers the phases start; it has `sh`, `sleep`, `yes` and `head`. */
  workImage: string;
  /** A pull-bench image reference in the local registry (set up by the pull phase through `pushPullImage`). */
  pullImage?: string;
  /** Every process of the runtime (daemon, helpers, shims), not the containers' own processes. */
  pids(): number[];
  /** Directory the pods' log directories go under. */
  logRoot: string;
  /** Pod config extras (e.g. a Linux security context for runc). */
  podExtra?: Record<string, unknown>;
  /** Prometheus endpoint of the runtime, when it has one (wincri). */
  metricsUrl?: string;
  stop(): Promise<void>;
}
