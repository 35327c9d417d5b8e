/** HCS schema v2 ComputeSystem, the creation document (hcsshim internal/hcs/schema2 compute_system.go, hosted_system.go). */
import { object, str, bool, type Infer } from '../../schema.js';
import { Version } from './common.js';
import { Container } from './container.js';
import { VirtualMachine } from './virtual-machine.js';

/** A container created inside a utility VM (ComputeSystem.HostingSystemId names the VM). */
export const HostedSystem = object('HostedSystem', { SchemaVersion: Version, Container: Container });
export type HostedSystemDoc = Infer<typeof HostedSystem>;

export const ComputeSystem = object('ComputeSystem', {
  Owner: str,
  SchemaVersion: Version,
  HostingSystemId: str,
  /** `interface{}` in hcsshim; a HostedSystem document in practice. */
  HostedSystem: HostedSystem,
  Container: Container,
  VirtualMachine: VirtualMachine,
  ShouldTerminateOnLastHandleClosed: bool,
});
export type ComputeSystemDoc = Infer<typeof ComputeSystem>;
