/**
 * The fault-injection names the service itself owns (no imports: the compute emulator types its checkpoints with
 * FaultPoint without depending on the dispatch tables). fault-ops.ts joins them with the platform and HNS calls.
 */

/** The methods the service answers itself, before the platform calls (server-own.ts; its table's type holds it to these). */
export const SERVICE_METHODS = ['hello', 'serviceProperties', 'queryServiceProperties', 'modifyServiceSettings', 'injectFault', 'clearFaults', 'stopService'] as const;
export type ServiceMethod = typeof SERVICE_METHODS[number];

/**
 * Fault points outside the dispatch: the stdio attachment of a process (server-attach.ts), and checkpoints inside an
 * operation that take delay faults (compute-base.ts: the program runs, its record is not saved yet; a system's
 * namespace holder is up, its start not answered yet; network-networks.ts: a network's Linux objects are made, the
 * network not recorded yet).
 */
export const FAULT_POINTS = ['attach', 'HcsCreateProcess:started', 'HcsStartComputeSystem:holder', 'HcnCreateNetwork:built'] as const;
export type FaultPoint = typeof FAULT_POINTS[number];
