/**
 * The address fields of an HCN endpoint document, checked at HcnCreateEndpoint as HNS parses them: a MAC address
 * (six hex pairs, `-` or `:`), IP addresses (dotted IPv4 or IPv6), prefix lengths in range, routes as CIDR
 * prefixes with an IP next hop. A bad value is refused with the HCN code naming it instead of reaching an `ip`
 * command line later (where a blank would split it into extra arguments).
 */
import { isIP } from 'node:net';
import { PlatformError, HRESULT } from '../../hresult.js';
import type { HostComputeEndpointDoc } from '../../hcn/schema/index.js';

const MAC = /^[0-9a-f]{2}([-:])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}$/i;

function cidr(p: string): boolean {
  const [addr, len, ...rest] = p.split('/');
  const v = isIP(addr ?? '');
  const n = Number(len);
  return rest.length === 0 && v !== 0 && /^\d{1,3}$/.test(len ?? '') && n <= (v === 4 ? 32 : 128);
}

export function checkEndpointAddresses(op: string, e: HostComputeEndpointDoc): void {
  if (e.MacAddress !== undefined && !MAC.test(e.MacAddress)) {
    throw new PlatformError(HRESULT.HCN_E_INVALID_ENDPOINT, op, `MacAddress ${JSON.stringify(e.MacAddress)} is not a MAC address (00-15-5D-xx-xx-xx)`);
  }
  for (const [i, c] of (e.IpConfigurations ?? []).entries()) {
    const v = isIP(c.IpAddress ?? '');
    if (!v) throw new PlatformError(HRESULT.HCN_E_INVALID_IP, op, `IpConfigurations[${i}].IpAddress ${JSON.stringify(c.IpAddress ?? '')} is not an IP address`);
    if (c.PrefixLength !== undefined && !(Number.isInteger(c.PrefixLength) && c.PrefixLength >= 0 && c.PrefixLength <= (v === 4 ? 32 : 128))) {
      throw new PlatformError(HRESULT.HCN_E_INVALID_PREFIX, op, `IpConfigurations[${i}].PrefixLength ${c.PrefixLength} is out of range`);
    }
  }
  for (const [i, r] of (e.Routes ?? []).entries()) {
    if (r.DestinationPrefix !== undefined && !cidr(r.DestinationPrefix)) {
      throw new PlatformError(HRESULT.HCN_E_INVALID_PREFIX, op, `Routes[${i}].DestinationPrefix ${JSON.stringify(r.DestinationPrefix)} is not a CIDR prefix`);
    }
    if (r.NextHop && !isIP(r.NextHop)) throw new PlatformError(HRESULT.HCN_E_INVALID_IP, op, `Routes[${i}].NextHop ${JSON.stringify(r.NextHop)} is not an IP address`);
  }
}
