/** Builds the exec/attach/port-forward server from the `streaming:` configuration and starts it. */
import { readFile } from 'node:fs/promises';
import type { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import { createStreamingServer, type StreamingServer } from '../streaming/server.js';
import { logger } from '../util/log.js';

export async function startStreaming(cfg: Config['streaming'], registry: Registry): Promise<StreamingServer> {
  const tls = cfg.tlsCertFile
    ? { cert: await readFile(cfg.tlsCertFile), key: await readFile(cfg.tlsKeyFile) }
    : undefined;
  const server = createStreamingServer({
    address: cfg.address, port: cfg.port, tls,
    idleTimeoutMs: cfg.idleTimeoutSeconds * 1000, maxSessions: cfg.maxSessions,
    maxQueuedSessions: cfg.maxQueuedSessions, sessionQueueMs: cfg.sessionQueueSeconds * 1000, tokenTtlMs: cfg.tokenTtlSeconds * 1000,
    registry, log: logger('streaming'),
  });
  const url = await server.listen();
  logger('daemon').info('serving exec/attach/port-forward', { url });
  return server;
}
