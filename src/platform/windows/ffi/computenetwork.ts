/**
 * computenetwork.dll (Host Networking Service v2) declarations, from Microsoft's HCN reference
 * (virtualization/api/hcn/Reference/*.md) and hcsshim hcn/zsyscall_windows.go. Every function is synchronous,
 * returns HRESULT and may hand out an ErrorRecord; result strings and error records are freed with CoTaskMemFree.
 * Objects: networks, endpoints, namespaces, load balancers — the same seven verbs each.
 */
import { winapi, PCWSTR, PWSTR_OUT, HANDLE_OUT, REFGUID, type Library, type KFunc } from './koffi.js';

export type HcnKind = 'Network' | 'Endpoint' | 'Namespace' | 'LoadBalancer';
const PLURAL: Record<HcnKind, string> = { Network: 'Networks', Endpoint: 'Endpoints', Namespace: 'Namespaces', LoadBalancer: 'LoadBalancers' };

export interface HcnFamily {
  enumerate: KFunc; // HRESULT HcnEnumerateX(PCWSTR query, PWSTR* result, PWSTR* errorRecord)
  create: KFunc;    // HRESULT HcnCreateX(REFGUID id, PCWSTR settings, HCN_X* handle, PWSTR* errorRecord)
                    //   (endpoints: HcnCreateEndpoint(HCN_NETWORK network, REFGUID id, PCWSTR settings, HCN_ENDPOINT*, PWSTR*))
  open: KFunc;      // HRESULT HcnOpenX(REFGUID id, HCN_X* handle, PWSTR* errorRecord)
  modify: KFunc;    // HRESULT HcnModifyX(HCN_X handle, PCWSTR settings, PWSTR* errorRecord)
  query: KFunc;     // HRESULT HcnQueryXProperties(HCN_X handle, PCWSTR query, PWSTR* properties, PWSTR* errorRecord)
  delete: KFunc;    // HRESULT HcnDeleteX(REFGUID id, PWSTR* errorRecord)
  close: KFunc;     // HRESULT HcnCloseX(HCN_X handle)
}
/** Endpoint-only calls beyond the seven verbs (exported by computenetwork.dll, declared in windows-sys). */
export interface HcnEndpointExtras {
  queryStats: KFunc; // HRESULT HcnQueryEndpointStats(HCN_ENDPOINT endpoint, PCWSTR query, PWSTR* stats, PWSTR* errorRecord)
}
export type ComputeNetwork = Record<HcnKind, HcnFamily> & { EndpointExtras: HcnEndpointExtras };

export function bindComputeNetwork(lib: Library): ComputeNetwork {
  const family = (k: HcnKind): HcnFamily => ({
    enumerate: winapi(lib, `HcnEnumerate${PLURAL[k]}`, 'int32', [PCWSTR, PWSTR_OUT, PWSTR_OUT]),
    create: k === 'Endpoint'
      ? winapi(lib, 'HcnCreateEndpoint', 'int32', ['void *', REFGUID, PCWSTR, HANDLE_OUT, PWSTR_OUT])
      : winapi(lib, `HcnCreate${k}`, 'int32', [REFGUID, PCWSTR, HANDLE_OUT, PWSTR_OUT]),
    open: winapi(lib, `HcnOpen${k}`, 'int32', [REFGUID, HANDLE_OUT, PWSTR_OUT]),
    modify: winapi(lib, `HcnModify${k}`, 'int32', ['void *', PCWSTR, PWSTR_OUT]),
    query: winapi(lib, `HcnQuery${k}Properties`, 'int32', ['void *', PCWSTR, PWSTR_OUT, PWSTR_OUT]),
    delete: winapi(lib, `HcnDelete${k}`, 'int32', [REFGUID, PWSTR_OUT]),
    close: winapi(lib, `HcnClose${k}`, 'int32', ['void *']),
  });
  return {
    Network: family('Network'), Endpoint: family('Endpoint'), Namespace: family('Namespace'), LoadBalancer: family('LoadBalancer'),
    EndpointExtras: { queryStats: winapi(lib, 'HcnQueryEndpointStats', 'int32', ['void *', PCWSTR, PWSTR_OUT, PWSTR_OUT]) },
  };
}

/** GUID text ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", braces allowed) → the REFGUID struct; '' → the zero GUID. */
export function guidStruct(id: string): { Data1: number; Data2: number; Data3: number; Data4: number[] } {
  const hex = id.replace(/[{}]/g, '');
  if (hex === '') return { Data1: 0, Data2: 0, Data3: 0, Data4: [0, 0, 0, 0, 0, 0, 0, 0] };
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(hex);
  if (!m) throw new TypeError(`${id} is not a GUID`);
  const d4 = (m[4]! + m[5]!).match(/../g)!.map((b) => parseInt(b, 16));
  return { Data1: parseInt(m[1]!, 16), Data2: parseInt(m[2]!, 16), Data3: parseInt(m[3]!, 16), Data4: d4 };
}
