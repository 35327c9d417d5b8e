/**
 * Registry authorisation for a layer download that runs on the unpack worker (remote-layer.ts): the worker's
 * registry client asks the daemon's client for each Authorization header and reports each 401 challenge, so the
 * one authorizer (authorizer.ts: challenges, cached and shared Bearer tokens) serves every request of a pull and
 * no credential logic is repeated on the worker. Endpoints travel as indexes into the job's endpoint list.
 */
import type { Endpoint } from './endpoints.js';
import type { Challenge } from './auth.js';
import { logger } from '../../util/log.js';
import { errorMessage } from '../../errors.js';
import { toWorkerError, fromWorkerError, type WorkerError } from '../worker-errors.js';

const log = logger('images/pull');

/** What a registry client needs from an authorizer (RegistryAuthorizer, or this relay on a worker). */
export interface AuthSource {
  authorization(ep: Endpoint, scope: string, signal: AbortSignal): Promise<string | undefined>;
  challenged(ep: Endpoint, ch: Challenge, scope: string): void;
}

export type AuthRequest = { auth: { id: number; ep: number; scope: string } } | { challenged: { ep: number; ch: Challenge; scope: string } };
export type AuthReply = { authReply: { id: number; value?: string; error?: WorkerError } };

/** The worker side: forwards to the daemon through `send`; answers arrive through reply(). */
export class RelayedAuthorizer implements AuthSource {
  private eps: Endpoint[] = [];
  private send: (m: AuthRequest) => void = () => undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: string | undefined) => void; reject: (e: Error) => void }>();

  /** The endpoints of the job now running (indexes refer to them) and how to reach the daemon. */
  bind(eps: Endpoint[], send: (m: AuthRequest) => void): void {
    this.eps = eps;
    this.send = send;
  }

  /** The job ended: its endpoints are let go (a pooled worker keeps nothing of a finished job). */
  unbind(): void {
    this.eps = [];
    this.send = () => undefined;
  }

  authorization(ep: Endpoint, scope: string): Promise<string | undefined> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ auth: { id, ep: this.indexOf(ep), scope } });
    });
  }

  challenged(ep: Endpoint, ch: Challenge, scope: string): void {
    this.send({ challenged: { ep: this.indexOf(ep), ch, scope } });
  }

  reply(m: AuthReply['authReply']): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) p.reject(fromWorkerError(m.error)); else p.resolve(m.value);
  }

  private indexOf(ep: Endpoint): number {
    const i = this.eps.indexOf(ep);
    if (i < 0) throw new Error(`auth relay: endpoint ${ep.base} is not one of the job's`);
    return i;
  }
}

/**
 * The daemon side: answers one request of a worker with the daemon's own authorizer; undefined for a challenge.
 * Never rejects: a failed request is answered with its error; a challenge that could not be recorded is logged
 * (the worker's retried request then fails with the registry's own refusal).
 */
export async function serveAuth(auth: AuthSource, eps: Endpoint[], req: AuthRequest, signal: AbortSignal): Promise<AuthReply | undefined> {
  const id = 'auth' in req ? req.auth.id : undefined;
  try {
    if ('challenged' in req) {
      const ep = eps[req.challenged.ep];
      if (ep) auth.challenged(ep, req.challenged.ch, req.challenged.scope);
      return undefined;
    }
    const e = eps[req.auth.ep];
    if (!e) throw new Error(`auth relay: no endpoint ${req.auth.ep}`);
    return { authReply: { id: req.auth.id, value: await auth.authorization(e, req.auth.scope, signal) } };
  } catch (err) {
    if (id !== undefined) return { authReply: { id, error: toWorkerError(err) } };
    log.warn('recording a registry challenge for a worker failed', { err: errorMessage(err) });
    return undefined;
  }
}
