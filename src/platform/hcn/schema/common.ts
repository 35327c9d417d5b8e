/**
 * HCN (HNS v2) schema: shared pieces. Field names as microsoft/hcsshim hcn/ (hcn.go, hcnnetwork.go,
 * hcnendpoint.go) and the HNS_Schema docs. Note the object id is spelled `ID` on the wire.
 */
import { object, array, str, uint8, uint16, uint32, int64, any, literal, type Schema, type Infer } from '../../schema.js';

/** hcn.Version / SchemaVersion {Major, Minor}; HCN objects use 2.0. */
export const SchemaVersion = object('SchemaVersion', { Major: uint32, Minor: uint32 });
export type SchemaVersionDoc = Infer<typeof SchemaVersion>;

/** hcn.RequestType. */
export const HcnRequestType = literal('Add', 'Remove', 'Update', 'Refresh');
export type HcnRequestTypeDoc = Infer<typeof HcnRequestType>;

export const Route = object('Route', { NextHop: str, DestinationPrefix: str, Metric: uint16 });
export type RouteDoc = Infer<typeof Route>;

/** Dns on networks and endpoints. `Domain` in current hcsshim; older hcsshim spelled it `Suffix`. */
export const Dns = object('Dns', {
  Domain: str,
  Suffix: str,
  Search: array(str),
  ServerList: array(str),
  Options: array(str),
});
export type DnsDoc = Infer<typeof Dns>;

export const IpConfig = object('IpConfig', { IpAddress: str, PrefixLength: uint8, IpSubnetId: str });
export type IpConfigDoc = Infer<typeof IpConfig>;

export const MacRange = object('MacRange', { StartMacAddress: str, EndMacAddress: str });
export type MacRangeDoc = Infer<typeof MacRange>;
export const MacPool = object('MacPool', { Ranges: array(MacRange) });
export type MacPoolDoc = Infer<typeof MacPool>;

export const ExtraParams = object('ExtraParams', {
  Resources: any, SharedContainers: any, LayeredOn: str, SwitchGuid: str, UtilityVM: str, VirtualMachine: str,
});
export const Health = object('Health', { Data: any, Extra: ExtraParams });
export type HealthDoc = Infer<typeof Health>;

/** Base fields every HNS v2 object carries in query results (HNS_Schema.md "Base"). */
export const baseFields = {
  ID: str,
  Owner: str,
  Name: str,
  Version: int64,
  AdditionalParams: any,
  Health: Health,
  SchemaVersion: SchemaVersion,
  Telemetry: any,
  State: uint32,
};

/** HostComputeQueryFlags: 0 None, 1 Detailed. */
export const HostComputeQueryFlags = { None: 0, Detailed: 1 } as const;
/** HcnEnumerate* / HcnQuery*Properties query. Filter is a JSON object encoded as a string, e.g. {"ID":"…"}. */
export const HcnQuery = object('HostComputeQuery', { SchemaVersion: SchemaVersion, Flags: uint32, Filter: str });
export type HcnQueryDoc = Infer<typeof HcnQuery>;
export const HostComputeQuery = HcnQuery;
export type HostComputeQueryDoc = HcnQueryDoc;

/**
 * Adds a cross-field check to a schema (the object combinator checks fields one by one). `extra` runs only
 * when the base schema accepted the value and returns a problem message plus a field (relative path).
 */
export function refine<T>(base: Schema<T>, extra: (value: T) => { field?: string; message: string } | undefined): Schema<T> {
  return {
    kind: base.kind,
    describe: base.describe,
    check(v, p) {
      const r = base.check(v, p);
      if (r) return r;
      const e = extra(v as T);
      if (!e) return undefined;
      const path = e.field ? (p ? `${p}.${e.field}` : e.field) : (p || '<document>');
      return { path, message: e.message };
    },
  };
}
