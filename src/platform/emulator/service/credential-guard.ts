/**
 * Container Credential Guard instances (HcsModifyServiceSettings with PropertyType "ContainerCredentialGuard",
 * listed by HcsGetServiceProperties). Like vmcompute, the service keeps every instance until it is removed
 * explicitly, across restarts of its clients (persisted here across restarts of the service too). An instance has a
 * random Cookie and an LRPC endpoint name; a container document that names an instance must carry a Cookie and
 * RpcEndpoint the service handed out, and the container then sees its credential spec through that document.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { PlatformError, HRESULT } from '../../hresult.js';
import { validate, type Schema } from '../../schema.js';
import {
  ModificationRequest, ContainerCredentialGuardOperationRequest, ContainerCredentialGuardAddInstanceRequest,
  ContainerCredentialGuardRemoveInstanceRequest, ServicePropertyQuery,
  type ContainerCredentialGuardInstanceDoc, type ContainerCredentialGuardStateDoc,
} from '../../hcs/schema/index.js';
import type { Persister } from './persist.js';
import { parseDoc, invalid } from './documents.js';

const OP = 'HcsModifyServiceSettings';

function check<T>(schema: Schema<T>, value: unknown, path: string): T {
  const r = validate(schema, value);
  if (!r.ok) throw invalid(OP, r.problem.path === '<document>' ? path : `${path}.${r.problem.path}`, r.problem.message);
  return r.value;
}

/** What CCG itself needs of a credential spec (the JSON New-CredentialSpec writes). */
function checkCredentialSpec(text: string): void {
  let spec: { CmsPlugins?: unknown; DomainJoinConfig?: Record<string, unknown> };
  try { spec = JSON.parse(text) as typeof spec; } catch (e) {
    throw invalid(OP, 'Settings.OperationDetails.CredentialSpec', `not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(spec?.CmsPlugins) || spec.CmsPlugins.length === 0) {
    throw invalid(OP, 'Settings.OperationDetails.CredentialSpec.CmsPlugins', 'a non-empty list of plugins is required');
  }
  for (const k of ['Sid', 'MachineAccountName', 'Guid', 'DnsName', 'NetBiosName', 'DnsTreeName']) {
    if (typeof spec.DomainJoinConfig?.[k] !== 'string' || !spec.DomainJoinConfig[k]) {
      throw invalid(OP, `Settings.OperationDetails.CredentialSpec.DomainJoinConfig.${k}`, 'is required');
    }
  }
}

export class CredentialGuardEmulator {
  private instances = new Map<string, ContainerCredentialGuardInstanceDoc>();
  constructor(private readonly persist: Persister) {}

  async load(): Promise<void> {
    for (const i of (await this.persist.load<ContainerCredentialGuardInstanceDoc[]>('credential-guard')) ?? []) this.instances.set(i.Id!, i);
  }
  private save(): Promise<void> { return this.persist.save('credential-guard', () => [...this.instances.values()]); }

  async modify(text: unknown): Promise<void> {
    const req = parseDoc(ModificationRequest, OP, text, false);
    if (req.PropertyType !== 'ContainerCredentialGuard') {
      throw new PlatformError(HRESULT.E_NOTIMPL, OP, `PropertyType ${req.PropertyType} is not supported by the emulator`);
    }
    const op = check(ContainerCredentialGuardOperationRequest, req.Settings, 'Settings');
    if (op.Operation === 'AddInstance') {
      const d = check(ContainerCredentialGuardAddInstanceRequest, op.OperationDetails, 'Settings.OperationDetails');
      checkCredentialSpec(d.CredentialSpec);
      if (this.instances.has(d.Id)) throw new PlatformError(HRESULT.ERROR_ALREADY_EXISTS, OP, `credential guard instance ${d.Id} already exists`);
      const state: ContainerCredentialGuardStateDoc = {
        Cookie: randomBytes(16).toString('hex'), RpcEndpoint: `ccg-${randomUUID()}`, Transport: d.Transport ?? 'LRPC', CredentialSpec: d.CredentialSpec,
      };
      // An HvSocket instance is reached from a utility VM through an HvSocket service (emulator-chosen ID and
      // descriptors: SYSTEM may connect), which the VM's service table must open (hcs/document/uvm-hvsocket.ts).
      const hv = state.Transport === 'HvSocket'
        ? { HvSocketConfig: { ServiceId: randomUUID(), ServiceConfig: { BindSecurityDescriptor: 'D:P(A;;FA;;;SY)', ConnectSecurityDescriptor: 'D:P(A;;FA;;;SY)' } } }
        : {};
      this.instances.set(d.Id, { Id: d.Id, CredentialGuard: state, ...hv });
    } else {
      const d = check(ContainerCredentialGuardRemoveInstanceRequest, op.OperationDetails, 'Settings.OperationDetails');
      if (!this.instances.delete(d.Id)) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, OP, `credential guard instance ${d.Id} not found`);
    }
    await this.save();
  }

  /** HcsGetServiceProperties with a query: "Basic" comes from the caller, "ContainerCredentialGuard" from here. */
  query(text: unknown, basic: () => unknown): unknown[] {
    const q = parseDoc(ServicePropertyQuery, 'HcsGetServiceProperties', text, true);
    return (q.PropertyTypes ?? ['Basic']).map((t) => {
      if (t === 'Basic') return basic();
      if (t === 'ContainerCredentialGuard') return { Instances: [...this.instances.values()].map((i) => structuredClone(i)) };
      throw new PlatformError(HRESULT.E_INVALIDARG, 'HcsGetServiceProperties', `property type ${t} is not supported by the emulator`);
    });
  }

  /** A container document's ContainerCredentialGuard must be the state of a live instance (HCS cannot connect otherwise). */
  checkContainer(op: string, state: ContainerCredentialGuardStateDoc | undefined, path: string): void {
    if (!state) return;
    const live = [...this.instances.values()].find((i) => i.CredentialGuard?.Cookie === state.Cookie);
    if (!live || live.CredentialGuard?.RpcEndpoint !== state.RpcEndpoint) {
      throw new PlatformError(HRESULT.E_INVALIDARG, op, `${path}: no credential guard instance with this Cookie and RpcEndpoint (add one with HcsModifyServiceSettings first)`);
    }
    if (state.CredentialSpec !== undefined && state.CredentialSpec !== live.CredentialGuard?.CredentialSpec) {
      throw new PlatformError(HRESULT.E_INVALIDARG, op, `${path}.CredentialSpec differs from the instance's credential spec`);
    }
  }

  ids(): string[] { return [...this.instances.keys()]; }
}
