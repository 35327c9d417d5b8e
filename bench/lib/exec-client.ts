/**
 * The exec clients of the bench: one `Exec` RPC, then the streaming URL driven as kubelet (SPDY/3.1, v4 channel
 * protocol, through the SPDY test client) or crictl --transport websocket (v5/v4 channel protocol) would.
 */
import type { Target } from '../target.js';
import { call } from '../targets/client.js';
import { SpdyTestClient, isRefused } from '../../test/helpers/streaming-client-spdy.js';
import { WsTestClient } from '../../test/helpers/streaming-client-ws.js';

async function execUrl(t: Target, containerId: string, cmd: string[]): Promise<string> {
  const { url } = await call(t.runtime, 'Exec', { containerId, cmd, stdout: true, stderr: true });
  return url;
}

/**
 * Runs `cmd` over SPDY; stdout bytes go to `onStdout` (not kept) and the exit status must be success.
 * Returns the number of stdout bytes.
 */
export async function spdyExec(t: Target, containerId: string, cmd: string[], onStdout?: (n: number) => void): Promise<number> {
  const c = await SpdyTestClient.connect(await execUrl(t, containerId, cmd), ['v4.channel.k8s.io']);
  if (isRefused(c)) throw new Error(`${t.name}: SPDY upgrade refused (${c.status}): ${c.body}`);
  try {
    const error = await c.open({ streamtype: ['error'] });
    const stdout = await c.open({ streamtype: ['stdout'] });
    const stderr = await c.open({ streamtype: ['stderr'] });
    // Whatever arrived with the SYN_REPLY was collected; from here on bytes are only counted.
    let bytes = stdout.chunks.reduce((n, b) => n + b.length, 0);
    stdout.collect = false;
    stdout.chunks.length = 0;
    onStdout?.(bytes);
    stdout.on('data', (b: Buffer) => { bytes += b.length; onStdout?.(b.length); });
    await Promise.all([error.done, stdout.done, stderr.done]);
    const status = error.text();
    if (status && JSON.parse(status).status !== 'Success') throw new Error(`${t.name}: exec failed: ${status} ${stderr.text()}`);
    return bytes;
  } finally {
    c.close();
  }
}

/** Runs `cmd` over WebSocket (v5, else v4); undefined when the runtime refuses WebSocket upgrades. */
export async function wsExec(t: Target, containerId: string, cmd: string[]): Promise<string | undefined> {
  let ws: WsTestClient;
  try {
    ws = await WsTestClient.connect(await execUrl(t, containerId, cmd), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  } catch (e) {
    if ((e as { status?: number }).status !== undefined) return undefined;
    throw e;
  }
  await ws.closed;
  const status = ws.text(3);
  if (status && JSON.parse(status).status !== 'Success') throw new Error(`${t.name}: exec over WebSocket failed: ${status}`);
  return ws.text(1);
}
