/**
 * PortForward (streaming): each forwarded connection is a TCP connection from the node to the pod, as Windows
 * containerd does it: `<pod IP>:<port>`, or 127.0.0.1 for host-network / HostProcess pods and pods without an IP.
 * Where the platform can dial inside the pod's namespace (the emulator: NetworkService.dialInNamespace), a pod
 * with its own namespace is reached at 127.0.0.1 inside it, as Linux runtimes do — loopback-only listeners too.
 * A port nothing listens on rejects with a message the streaming server writes to the port's error stream.
 */
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { failedPrecondition, invalidArgument } from '../errors.js';
import { PlatformError, isIndeterminate } from '../platform/hresult.js';
import type { SandboxRecord } from './model.js';
import type { RuntimeState } from './state.js';
import { getSandbox } from './pods.js';
import { streamingService } from './streams.js';

const DIAL_TIMEOUT_MS = 15_000;

export function portForward(st: RuntimeState, podIdOrPrefix: string, ports: number[]): string {
  const service = streamingService(st, 'PortForward');
  for (const p of ports) if (!validPort(p)) throw invalidArgument(`port ${p} is out of range (1-65535)`);
  const pod = getSandbox(st, podIdOrPrefix);
  if (pod.state !== 'SANDBOX_READY') throw failedPrecondition(`pod sandbox ${pod.id} is not ready (${pod.state})`);
  return service.register({
    kind: 'portforward', podSandboxId: pod.id, ports,
    connect: (port) => dialPod(st, pod.id, port),
  });
}

function validPort(p: number): boolean { return Number.isInteger(p) && p >= 1 && p <= 65535; }

/** Where the node reaches the pod's ports. */
export function podAddress(pod: SandboxRecord): string {
  if (hostNetwork(pod) || !pod.ip) return '127.0.0.1';
  return pod.ip;
}

function hostNetwork(pod: SandboxRecord): boolean {
  return pod.config.hostProcess || pod.config.namespaceOptions?.network === 'NODE';
}

/** One TCP connection to `port` of the pod; exported for tests (the streaming server calls it per stream). */
export function dialPod(st: RuntimeState, podId: string, port: number): Promise<Duplex> {
  const pod = st.sandboxes.get(podId);
  if (!pod || pod.state !== 'SANDBOX_READY') return Promise.reject(new Error(`pod sandbox ${podId} is not ready any more`));
  if (!validPort(port)) return Promise.reject(new Error(`port ${port} is out of range (1-65535)`));
  const host = podAddress(pod);
  const inNamespace = st.opts.platform.network.dialInNamespace;
  if (pod.namespaceId && inNamespace && !hostNetwork(pod)) {
    return inNamespace.call(st.opts.platform.network, pod.namespaceId, port).catch((e: Error) => {
      throw new Error(`port-forward to port ${port} of pod ${pod.config.metadata.name} (${podId}): ${dialFailure(e, podId, port)}`);
    });
  }
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const fail = (why: string) => {
      sock.destroy();
      reject(new Error(`port-forward to port ${port} of pod ${pod.config.metadata.name} (${podId}) at ${host}: ${why}`));
    };
    sock.setTimeout(DIAL_TIMEOUT_MS, () => fail(`no answer within ${DIAL_TIMEOUT_MS / 1000}s`));
    sock.once('error', (e: NodeJS.ErrnoException) => {
      fail(e.code === 'ECONNREFUSED' ? 'connection refused (nothing listens on that port)' : e.message);
    });
    sock.once('connect', () => {
      sock.setTimeout(0);
      sock.removeAllListeners('error');
      sock.removeAllListeners('timeout');
      sock.on('error', () => undefined); // reported to whoever pipes it; never an uncaught exception
      resolve(sock);
    });
  });
}

/**
 * A failed dial into the namespace. A platform failure (its HRESULT is in the message) also says what to check for
 * this dial: the platform-wide advice for an HRESULT is about the host's services, not about reaching a pod's port.
 */
function dialFailure(e: Error, podId: string, port: number): string {
  if (!(e instanceof PlatformError)) return e.message;
  const check = `check that a process listens on port ${port} inside the pod and that the pod's network namespace is still there (\`crictl inspectp ${podId}\` shows it ready)`;
  return isIndeterminate(e)
    ? `${e.message} (the host did not finish the dial: open the connection again; if it keeps failing, ${check})`
    : `${e.message} (the host could not connect into the pod: ${check}, then open the connection again)`;
}
