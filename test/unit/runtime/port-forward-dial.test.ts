/** Port-forward's dial into a pod's network namespace failing on the platform: the message is the dial's own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialPod } from '../../../src/runtime/port-forward.js';
import { HRESULT, PlatformError, type HResultName } from '../../../src/platform/hresult.js';
import { HRESULT_ADVICE } from '../../../src/platform/hresult-advice.js';
import type { RuntimeState } from '../../../src/runtime/state.js';
import type { SandboxRecord } from '../../../src/runtime/model.js';

const POD = 'f00dfeed';

function stateFailingWith(hr: HResultName): RuntimeState {
  const pod = {
    id: POD, state: 'SANDBOX_READY', namespaceId: 'ns-1', ip: '10.0.0.5', additionalIps: [],
    config: { metadata: { name: 'web' }, hostProcess: false },
  } as unknown as SandboxRecord;
  const network = { dialInNamespace: () => Promise.reject(new PlatformError(HRESULT[hr], 'namespaceNetns')) };
  return { sandboxes: new Map([[POD, pod]]), opts: { platform: { network } } } as unknown as RuntimeState;
}

test('a platform failure of the dial names the port, the pod and the HRESULT, and says what to check, without platform-wide advice', async () => {
  for (const hr of ['E_FAIL', 'E_ACCESSDENIED', 'HCS_E_OPERATION_TIMEOUT', 'HCS_E_SERVICE_NOT_AVAILABLE'] as HResultName[]) {
    const e = await dialPod(stateFailingWith(hr), POD, 8080).then(() => assert.fail('dialled'), (x: Error) => x);
    assert.match(e.message, new RegExp(`^port-forward to port 8080 of pod web \\(${POD}\\): namespaceNetns: ${hr} \\(0x[0-9a-f]{8}\\) \\(`), `${hr}: ${e.message}`);
    assert.match(e.message, /listens on port 8080 inside the pod/, `${hr}: ${e.message}`);
    assert.match(e.message, /the pod's network namespace/, `${hr}: ${e.message}`);
    assert.match(e.message, /open the connection again/, `${hr}: ${e.message}`);
    assert.doesNotMatch(e.message, /vmcompute|wincri service|SYSTEM|administrator|Start-Service|Windows/, `${hr}: ${e.message}`);
    for (const advice of Object.values(HRESULT_ADVICE)) assert.ok(!e.message.includes(advice), `${hr}: the platform-wide advice: ${e.message}`);
  }
});
