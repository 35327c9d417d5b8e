/**
 * Remote-command subprotocol names and negotiation (k8s.io/apimachinery httpstream Handshake semantics): the first
 * protocol the client offers that the server supports wins. SPDY serves v4…v1 (as the stock CRI server does;
 * client-go offers v5 first and settles on v4); WebSocket also serves v5 (CLOSE signal, what crictl sends) and the
 * base64 variants.
 */
export const V1 = 'channel.k8s.io';
export const V2 = 'v2.channel.k8s.io';
export const V3 = 'v3.channel.k8s.io';
export const V4 = 'v4.channel.k8s.io';
export const V5 = 'v5.channel.k8s.io';
export const PORT_FORWARD_V1 = 'portforward.k8s.io';
/** WebSocket subprotocol of client-go's port-forward tunnel: SPDY frames inside binary WebSocket messages. */
export const PORT_FORWARD_TUNNEL = 'SPDY/3.1+portforward.k8s.io';

export const SPDY_EXEC_PROTOCOLS = [V4, V3, V2, V1];
export const SPDY_PORT_FORWARD_PROTOCOLS = [PORT_FORWARD_V1];
export const WS_EXEC_PROTOCOLS = [V5, V4, 'v4.base64.channel.k8s.io', V1, 'base64.channel.k8s.io', ''];
export const WS_PORT_FORWARD_PROTOCOLS = [PORT_FORWARD_TUNNEL, V4, 'v4.base64.channel.k8s.io', ''];

/** Client offers from (possibly repeated, possibly comma-separated) header values, in order. */
export function parseOffers(values: string | string[] | undefined): string[] {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  return list.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

export function negotiate(offered: string[], supported: string[]): string | undefined {
  return offered.find((p) => supported.includes(p));
}

/** Remote-command protocol version: 1 for channel.k8s.io (and the unnamed WebSocket protocol), else vN. */
export function protocolVersion(name: string): number {
  const m = /^v(\d+)\./.exec(name);
  return m ? Number(m[1]) : 1;
}

export function isBase64Protocol(name: string): boolean {
  return name.includes('base64.');
}
