/**
 * One-time tokens for streaming URLs: 8 URL-safe characters from the CSPRNG, consumed by the first request that
 * presents them, forgotten after the TTL, at most `max` outstanding (then register() fails with
 * ResourceExhausted, which the CRI edge maps to RESOURCE_EXHAUSTED).
 */
import { randomBytes } from 'node:crypto';
import { RuntimeError } from '../errors.js';

export interface TokenCacheOptions {
  ttlMs: number;
  max: number;
  /** Clock in ms (tests inject one). */
  now?: () => number;
}

export class TokenCache<T> {
  /** Insertion order is expiry order (one TTL for all), so pruning only ever looks at the front. */
  private readonly entries = new Map<string, { value: T; expires: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: TokenCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  add(value: T): string {
    this.prune();
    if (this.entries.size >= this.opts.max) {
      throw new RuntimeError('ResourceExhausted', `too many streaming requests outstanding (${this.opts.max}); retry when some URLs have been used or have expired`);
    }
    let token: string;
    do token = randomBytes(6).toString('base64url'); while (this.entries.has(token));
    this.entries.set(token, { value, expires: this.now() + this.opts.ttlMs });
    return token;
  }

  /** The value registered under `token`, once; undefined for unknown, used or expired tokens. */
  consume(token: string): T | undefined {
    const e = this.entries.get(token);
    if (!e) return undefined;
    this.entries.delete(token);
    return e.expires > this.now() ? e.value : undefined;
  }

  /** The value under `token` without consuming it (undefined for unknown or expired tokens). */
  peek(token: string): T | undefined {
    const e = this.entries.get(token);
    return e && e.expires > this.now() ? e.value : undefined;
  }

  get size(): number {
    this.prune();
    return this.entries.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [k, e] of this.entries) {
      if (e.expires > now) break;
      this.entries.delete(k);
    }
  }
}
