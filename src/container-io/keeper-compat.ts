/**
 * Talking to an IO keeper of an older protocol. An upgrade replaces the daemon but keeps the running keeper (it
 * owns the containers' stdio), so a new daemon may find an old keeper on the socket. The client reads the
 * keeper's protocol from `ping` at every (re)connection and uses only what that keeper understands:
 *
 *   1  start (containerId, systemId, process, logPath, maxLineSize), reopenLog, list, subscribe, ack, forget, ping
 *   2  + attach; start.backend (HostProcess job containers), start.tty, start.stdinOnce; list attachers, logLines,
 *        logBytes
 *
 * A protocol-1 keeper would ignore fields it does not know: tty and stdinOnce only matter to attach, which it does
 * not have, so they are left out; a job container it would look for among the HCS compute systems, so starting
 * one is refused. Attach is refused with what to do.
 *
 * Exits carry shutdownAsked (the keeper shut the system down itself) from keepers since it, within protocol 2: it
 * only spares the daemon a second ask, so a keeper without it is not refused anything — the daemon asks as before.
 * An ask that got no answer (timed out, cut off) is reported as asked too, with shutdownUnconfirmed beside it: a
 * daemon from before that field reads only shutdownAsked, and so neither asks again — right, the ask may have been
 * delivered — while a keeper from before it reported such an ask as not asked, and the daemon, unable to tell that
 * from no ask, asks once more (the second signal this field removes). Exits also carry oomKilled (the OOM count the
 * keeper read at the exit): a daemon from before it queries the system as before, and so does a new daemon for a
 * keeper from before it (an OOM kill whose system is gone by then is reported Error, as it was). All are optional
 * fields: no protocol bump.
 */
import { KeeperError, KEEPER_PROTOCOL_VERSION, type StartParams } from './protocol.js';

/** First protocol with attach, start.backend/tty/stdinOnce and per-container log counts in list. */
export const PROTOCOL_ATTACH = 2;

function restartHint(protocol: number): string {
  return `the IO keeper (protocol ${protocol}) predates this daemon (protocol ${KEEPER_PROTOCOL_VERSION}), it was kept running ` +
    'across the upgrade; restart it: `wincri shutdown --containers` (stops the pods, kubelet recreates them), then start wincri again';
}

/** The start request as the keeper of `protocol` understands it; throws FailedPrecondition if it cannot. */
export function startParamsFor(protocol: number, params: StartParams): StartParams {
  if (protocol >= PROTOCOL_ATTACH) return params;
  if (params.backend !== undefined && params.backend !== 'compute') {
    throw new KeeperError('FailedPrecondition', `cannot start ${params.containerId}: ${params.backend} containers need IO keeper protocol ${PROTOCOL_ATTACH}; ${restartHint(protocol)}`);
  }
  const { backend: _b, tty: _t, stdinOnce: _s, ...old } = params;
  return old;
}

/** Undefined when the keeper of `protocol` can attach; otherwise the error to give. */
export function attachUnsupported(protocol: number, containerId: string): KeeperError | undefined {
  if (protocol >= PROTOCOL_ATTACH) return undefined;
  return new KeeperError('FailedPrecondition', `cannot attach to ${containerId}: ${restartHint(protocol)}`);
}
