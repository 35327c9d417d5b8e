/** HcnCreateEndpoint's address checks (service/endpoint-check.ts): what HNS would refuse never reaches an `ip` command line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEndpointAddresses } from '../../../../src/platform/emulator/service/endpoint-check.js';
import { PlatformError, HRESULT } from '../../../../src/platform/hresult.js';

const op = 'HcnCreateEndpoint';
const refused = (doc: object, code: number, field: RegExp) => assert.throws(() => checkEndpointAddresses(op, doc), (e: unknown) => {
  assert.ok(e instanceof PlatformError);
  assert.equal(e.hresult >>> 0, code >>> 0);
  assert.match(e.message, field);
  return true;
});

test('well-formed endpoint addresses pass', () => {
  checkEndpointAddresses(op, {});
  checkEndpointAddresses(op, {
    MacAddress: '00-15-5D-0A-0B-0C',
    IpConfigurations: [{ IpAddress: '10.1.2.3', PrefixLength: 24 }, { IpAddress: 'fd00::3', PrefixLength: 64 }],
    Routes: [{ DestinationPrefix: '0.0.0.0/0', NextHop: '10.1.2.1' }, { DestinationPrefix: '::/0' }],
  });
  checkEndpointAddresses(op, { MacAddress: '00:15:5d:0a:0b:0c' });
});

test('a bad MAC, address, prefix length, route prefix or next hop is refused naming the field', () => {
  refused({ MacAddress: '00-15-5D-0A-0B-0C dev lo' }, HRESULT.HCN_E_INVALID_ENDPOINT, /MacAddress/);
  refused({ MacAddress: '00-15:5D-0A-0B-0C' }, HRESULT.HCN_E_INVALID_ENDPOINT, /MacAddress/);
  refused({ IpConfigurations: [{ IpAddress: '10.1.2.300' }] }, HRESULT.HCN_E_INVALID_IP, /IpConfigurations\[0\]\.IpAddress/);
  refused({ IpConfigurations: [{ IpAddress: '10.1.2.3', PrefixLength: 33 }] }, HRESULT.HCN_E_INVALID_PREFIX, /PrefixLength 33/);
  refused({ Routes: [{ DestinationPrefix: '10.0.0.0/8 table 7' }] }, HRESULT.HCN_E_INVALID_PREFIX, /Routes\[0\]\.DestinationPrefix/);
  refused({ Routes: [{ DestinationPrefix: '10.0.0.0' }] }, HRESULT.HCN_E_INVALID_PREFIX, /DestinationPrefix/);
  refused({ Routes: [{ DestinationPrefix: '0.0.0.0/0', NextHop: '10.0.0.1 onlink' }] }, HRESULT.HCN_E_INVALID_IP, /Routes\[0\]\.NextHop/);
});
