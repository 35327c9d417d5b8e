/** The IO keeper's bookkeeping requests: list what it holds, acknowledge a reported exit, forget an exited container. */
import { unlink } from 'node:fs/promises';
import { KeeperError, type AttachmentInfo, type ContainerIdParams } from './protocol.js';
import { requireContainerId } from './keeper-validate.js';
import type { KeeperContext } from './keeper-context.js';
import { askReport, releaseStopped } from './keeper-exit-shutdown.js';

export function list(k: KeeperContext): AttachmentInfo[] {
  const out: AttachmentInfo[] = [];
  for (const e of k.entries.values()) {
    if (e.phase === 'starting') continue;
    const r = e.record;
    const info: AttachmentInfo = { containerId: r.containerId, systemId: r.systemId, pid: r.pid, logPath: r.logPath, startedAt: r.startedAt };
    if (r.backend) info.backend = r.backend;
    if (r.exited) info.exited = { ...r.exited, ...askReport(r) };
    if (r.acked) info.acked = true;
    if (r.recovered) info.recovered = true;
    if (e.hub && e.hub.size > 0) info.attachers = e.hub.size;
    if (e.writer) { const w = e.writer.written; info.logLines = w.lines; info.logBytes = w.bytes; }
    out.push(info);
  }
  return out.sort((a, b) => a.containerId.localeCompare(b.containerId));
}

export function ack(k: KeeperContext, params: ContainerIdParams): Record<string, never> {
  const id = requireContainerId(params);
  const entry = k.entries.get(id);
  if (!entry) throw new KeeperError('NotFound', `container ${id} is not known to the IO keeper`);
  if (!entry.record.exited) throw new KeeperError('FailedPrecondition', `container ${id} has not exited`);
  releaseStopped(entry);
  if (!entry.record.acked) {
    entry.record.acked = true;
    // Only spares a replay after a keeper restart (the daemon acks after recording the exit): need not be durable,
    // and the daemon need not wait for it (a forget that follows waits for it: entry.chain).
    k.records.persist(entry, { durable: false })
      .catch((e: unknown) => k.log.warn('recording an acknowledged exit failed', { container: id, err: e }));
  }
  return {};
}

export async function forget(k: KeeperContext, params: ContainerIdParams): Promise<Record<string, never>> {
  const id = requireContainerId(params);
  const entry = k.entries.get(id);
  if (!entry) {
    // Forgotten already, or being forgotten: answer once its files are gone, as the first forget does.
    await k.forgetting.get(id);
    return {};
  }
  if (entry.phase !== 'exited') {
    throw new KeeperError('FailedPrecondition', `container ${id} is still running; it cannot be forgotten`);
  }
  entry.forgotten = true;
  k.entries.delete(id);
  releaseStopped(entry);
  const done = removeFiles(k, id, entry.chain);
  k.forgetting.set(id, done.catch(() => undefined));
  try { await done; } finally { k.forgetting.delete(id); }
  return {};
}

async function removeFiles(k: KeeperContext, id: string, chain: Promise<unknown>): Promise<void> {
  await chain; // a write under way (later ones see `forgotten` and skip) must not recreate the record
  // The offsets first, then the record: a crash between them leaves the record, which the next keeper adopts
  // and whose forget removes both (a lone .offsets file would be swept by nothing).
  await unlink(k.records.offsetsPath(id)).catch(() => undefined);
  await unlink(k.records.path(id)).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
}
