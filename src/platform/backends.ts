/**
 * Which platform backend runs a container: a compute system (HCS) or, for HostProcess containers, a job
 * container. Chosen once per container from its spec; the kind travels with the container (records, IO keeper)
 * so every later step opens the same backend.
 */
import type { Platform, SystemService } from './types.js';
import type { ContainerSpec } from './spec.js';

export type SystemKind = 'compute' | 'job';

export function systemKindOf(spec: Pick<ContainerSpec, 'windows'>): SystemKind {
  return spec.windows.hostProcess ? 'job' : 'compute';
}

export function systemsOf(platform: Pick<Platform, 'compute' | 'jobs'>, kind: SystemKind | undefined): SystemService<unknown> {
  return kind === 'job' ? platform.jobs : platform.compute;
}
