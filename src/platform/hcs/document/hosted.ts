/**
 * A container inside a utility VM: the same Container part as a process-isolated one, wrapped as a HostedSystem
 * with HostingSystemId naming the VM (the HCS-managed guest path hcsshim keeps as its fallback; reference/hcs.md
 * §3.4). The Container's storage and mappings name host paths; HCS exposes them to the guest.
 */
import type { ComputeSystemDoc, ContainerDoc, VersionDoc } from '../schema/index.js';
import { DocumentError } from './errors.js';

export function hostedSystemDocument(container: ContainerDoc, o: { owner: string; hostingSystemId?: string; schemaVersion: VersionDoc }): ComputeSystemDoc {
  if (!o.hostingSystemId) throw new DocumentError('a Hyper-V isolated container needs its pod\'s utility VM (HostingSystemId)');
  return {
    Owner: o.owner,
    SchemaVersion: { ...o.schemaVersion },
    HostingSystemId: o.hostingSystemId,
    ShouldTerminateOnLastHandleClosed: false,
    HostedSystem: { SchemaVersion: { ...o.schemaVersion }, Container: container },
  };
}
