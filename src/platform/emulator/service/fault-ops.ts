/**
 * The names fault injection arms (Faults, ../index.ts injectFault): the service's own methods (server-own.ts),
 * the compute/job/storage calls (server-calls.ts) and the HNS calls (server-hns.ts) by their wire method, and the
 * fault points checked inside an operation. FaultOp is their union: the fault tests' tables are typed with it, so
 * a misspelt operation fails the typecheck (test/unit/platform/fault-coverage.test.ts reads the same tables).
 */
import { PLATFORM_METHODS, type PlatformMethod } from './server-calls.js';
import { HNS_METHODS, type HnsMethod } from './server-hns.js';
import { SERVICE_METHODS, FAULT_POINTS, type ServiceMethod, type FaultPoint } from './fault-names.js';

export { SERVICE_METHODS, FAULT_POINTS, type ServiceMethod, type FaultPoint };

export type FaultOp = ServiceMethod | PlatformMethod | HnsMethod | FaultPoint;

/** Every name fault injection arms. */
export const FAULT_OPS: readonly FaultOp[] = [...SERVICE_METHODS, ...PLATFORM_METHODS, ...HNS_METHODS, ...FAULT_POINTS];
