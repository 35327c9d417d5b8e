/** Validation of the IO keeper's request parameters (caller mistakes are InvalidArgument). */
import type { SystemKind } from '../platform/backends.js';
import { CONTAINER_ID_RE, KeeperError, type StartParams } from './protocol.js';

function bad(message: string): KeeperError { return new KeeperError('InvalidArgument', message); }

export function requireContainerId(params: unknown): string {
  const id = (params as { containerId?: unknown } | undefined)?.containerId;
  if (typeof id !== 'string' || !CONTAINER_ID_RE.test(id)) throw bad(`invalid containerId ${JSON.stringify(id)}`);
  return id;
}

export function validateStart(params: unknown): StartParams {
  if (typeof params !== 'object' || params === null) throw bad('start: params must be an object');
  const p = params as Record<string, unknown>;
  const containerId = requireContainerId(p);
  if (typeof p.systemId !== 'string' || p.systemId === '') throw bad('start: systemId must be a non-empty string');
  if (typeof p.process !== 'object' || p.process === null || Array.isArray(p.process)) {
    throw bad('start: process must be a ProcessParameters object');
  }
  if (p.backend !== undefined && p.backend !== 'compute' && p.backend !== 'job') throw bad('start: backend must be "compute" or "job"');
  if (p.logPath !== undefined && typeof p.logPath !== 'string') throw bad('start: logPath must be a string');
  if (p.maxLineSize !== undefined && (typeof p.maxLineSize !== 'number' || !Number.isFinite(p.maxLineSize))) {
    throw bad('start: maxLineSize must be a number');
  }
  return {
    containerId, systemId: p.systemId, backend: p.backend as SystemKind | undefined, process: p.process as StartParams['process'],
    logPath: (p.logPath as string | undefined) ?? '', maxLineSize: p.maxLineSize as number | undefined,
    stdinOnce: p.stdinOnce === true, tty: p.tty === true,
  };
}
