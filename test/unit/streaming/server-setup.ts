/** Shared set-up for streaming server tests: a server on an ephemeral loopback port with its own registry. */
import { Registry } from 'prom-client';
import { createStreamingServer, type StreamingServer, type StreamingServerOptions } from '../../../src/streaming/server.js';
import { logger } from '../../../src/util/log.js';

export async function startServer(extra: Partial<StreamingServerOptions> = {}): Promise<{ srv: StreamingServer; registry: Registry }> {
  const registry = new Registry();
  const srv = createStreamingServer({
    address: '127.0.0.1', port: 0, idleTimeoutMs: 120_000, maxSessions: 100, tokenTtlMs: 60_000, registry,
    log: logger('streaming-test'), ...extra,
  });
  await srv.listen();
  return { srv, registry };
}

/** Polls `cond` until true (tests wait on conditions, never on fixed sleeps). */

/** How the streaming server tests poll (waitFor options): every 5 ms, for a minute. */
export const serverPoll = { timeoutMs: 60_000, intervalMs: 5 };
