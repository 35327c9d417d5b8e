/** The keeper's `attach` request: validates it and hands the connection to the container's AttachHub. */
import type { Socket } from 'node:net';
import type { AttachHub } from './attach-hub.js';
import { CONTAINER_ID_RE, toWireError, KeeperError, type AttachParams } from './protocol.js';

export interface AttachTarget {
  phase: 'starting' | 'running' | 'draining' | 'exited';
  hub?: AttachHub;
  record: { recovered?: boolean };
  /** A restarted keeper is still taking the container back (its stdio may come back). */
  recovering?: boolean;
}

function parse(params: unknown): AttachParams {
  const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
  if (typeof p.containerId !== 'string' || !CONTAINER_ID_RE.test(p.containerId)) {
    throw new KeeperError('InvalidArgument', `invalid containerId ${JSON.stringify(p.containerId)}`);
  }
  for (const k of ['stdin', 'stdout', 'stderr'] as const) {
    if (p[k] !== undefined && typeof p[k] !== 'boolean') throw new KeeperError('InvalidArgument', `attach: ${k} must be a boolean`);
  }
  return { containerId: p.containerId, stdin: p.stdin === true, stdout: p.stdout === true, stderr: p.stderr === true };
}

export function acceptAttach(
  sock: Socket, id: number, params: unknown, lookup: (containerId: string) => AttachTarget | undefined,
  send: (msg: unknown) => void, closed: boolean,
): void {
  try {
    if (closed) throw new KeeperError('Unavailable', 'IO keeper is shutting down');
    const p = parse(params);
    const entry = lookup(p.containerId);
    if (!entry) throw new KeeperError('NotFound', `container ${p.containerId} is not known to the IO keeper`);
    if (entry.phase !== 'running') throw new KeeperError('FailedPrecondition', `container ${p.containerId} is not running`);
    if (!entry.hub && entry.recovering) {
      throw new KeeperError('Unavailable', `the IO keeper restarted and is still taking container ${p.containerId} back; retry the attach`);
    }
    if (!entry.hub) {
      throw new KeeperError('FailedPrecondition', entry.record.recovered
        ? `the stdio of container ${p.containerId} was lost when the IO keeper restarted; it cannot be attached`
        : `container ${p.containerId} has no attachable stdio`);
    }
    // From here on the connection carries attach frames, not JSON lines.
    sock.removeAllListeners('data');
    entry.hub.add(sock, p, (result) => send({ id, result }));
  } catch (e) {
    send({ id, error: toWireError(e) });
  }
}
