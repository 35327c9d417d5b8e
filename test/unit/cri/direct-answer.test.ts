/**
 * Answers written by the edge on the call's stream (src/cri/direct-answer.ts): a grpc-js client gets the same
 * messages and statuses as through grpc-js's callback (lists, a stable Version, errors, a deadline), and on Node 20
 * each answer's HEADERS, DATA and trailers leave the server in one write. The server's writes are observed
 * through a pass-through Duplex injected as the connection (Node's http2 hands each flush to such a socket as one
 * _writev call).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { wrapUnary } from '../../../src/cri/handler.js';
import { loadCri } from '../../../src/cri/proto.js';
import { withEncodedLists, containersResponse } from '../../../src/cri/list-encoding.js';
import { withStableResponses } from '../../../src/cri/stable-responses.js';
import { createRpcMetrics } from '../../../src/cri/rpc-metrics.js';
import type { CriContext } from '../../../src/cri/context.js';
import type { ContainerRecord } from '../../../src/runtime/model.js';
import { notFound } from '../../../src/errors.js';
import { FrameType } from '../../../src/daemon/h2/frames.js';
import { parseFrames } from '../../helpers/h2.js';
import { call } from '../../e2e/harness.js';

const END_STREAM = 0x1;

/** Passes bytes between a socket and the http2 session, recording each write the session makes. */
class Recorder extends Duplex {
  readonly writes: Buffer[] = [];
  constructor(private readonly sock: net.Socket) {
    super({ allowHalfOpen: true });
    sock.on('data', (c: Buffer) => this.push(c));
    sock.on('end', () => this.push(null));
    sock.on('close', () => this.destroy());
  }
  override _read(): void { /* data is pushed as it arrives */ }
  override _writev(chunks: { chunk: Buffer }[], cb: (e?: Error | null) => void): void {
    const b = Buffer.concat(chunks.map((c) => c.chunk));
    this.writes.push(b);
    this.sock.write(b, cb);
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void { this._writev([{ chunk }], cb); }
  override _final(cb: () => void): void { this.sock.end(cb); }
}

function container(i: number): ContainerRecord {
  return {
    id: `${i}`.padStart(64, 'a'), sandboxId: 'b'.repeat(64), imageId: `sha256:${'c'.repeat(64)}`, imageName: 'example.com/app:1',
    imageRef: `sha256:${'c'.repeat(64)}`, createdAt: '1733300000000000000', state: 'CONTAINER_RUNNING',
    config: { metadata: { name: `c${i}`, attempt: 1 }, image: { image: 'example.com/app:1' }, labels: { l: `${i}` }, annotations: {} },
  } as unknown as ContainerRecord;
}

test('answers on the stream: same messages and statuses as grpc-js, one write each on Node 20', async () => {
  const cri = loadCri();
  const def = withStableResponses(withEncodedLists(cri.runtime.v1.RuntimeService.service), ['Version']);
  const ctx = { isReady: () => true, metrics: createRpcMetrics(new Registry()) } as unknown as CriContext;
  // ~33 KB: more than one DATA frame, within the client's 64 KiB stream window (a larger answer waits for a
  // WINDOW_UPDATE, so it cannot leave in one write)
  const records = Array.from({ length: 100 }, (_, i) => container(i));
  const version = { version: '0.1.0', runtimeName: 'wincri', runtimeVersion: '1.2.3', runtimeApiVersion: 'v1' };
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  server.addService(def, {
    Version: wrapUnary('RuntimeService', 'Version', ctx, () => version, def.Version!.responseSerialize),
    ListContainers: wrapUnary('RuntimeService', 'ListContainers', ctx, () => containersResponse(records), def.ListContainers!.responseSerialize),
    ContainerStatus: wrapUnary('RuntimeService', 'ContainerStatus', ctx, async (req: { containerId: string }) => {
      if (req.containerId === 'gone') throw notFound('container gone not found');
      await new Promise((r) => setTimeout(r, 5));
      return { status: { id: req.containerId, state: 'CONTAINER_RUNNING' } };
    }, def.ContainerStatus!.responseSerialize),
  });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  let rec: Recorder | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'direct-answer-'));
  const path = join(dir, 's.sock');
  const net0 = net.createServer((s) => { rec = new Recorder(s); injector.injectConnection(rec); });
  await new Promise<void>((r) => net0.listen(path, r));
  const client = new (grpc.makeGenericClientConstructor(def, 'RuntimeService'))(`unix:${path}`, grpc.credentials.createInsecure()) as unknown as grpc.Client;
  try {
    for (let i = 0; i < 3; i++) assert.deepEqual(await call(client, 'Version', {}), version);
    const list = await call(client, 'ListContainers', { filter: {} });
    assert.equal(list.containers.length, 100);
    assert.equal(list.containers[7].metadata.name, 'c7');
    const again = await call(client, 'ListContainers', {});
    assert.deepEqual(again, list);
    const st = await call(client, 'ContainerStatus', { containerId: 'x1' });
    assert.equal(st.status.id, 'x1');
    await assert.rejects(call(client, 'ContainerStatus', { containerId: 'gone' }), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND && /gone/.test(e.details));
    // a call with a deadline answered in time: the deadline timer grpc-js set must not send a second status
    const withDeadline = await new Promise<any>((ok, fail) => (client as any).ContainerStatus({ containerId: 'x2' }, { deadline: Date.now() + 60_000 }, (e: Error | null, v: unknown) => (e ? fail(e) : ok(v))));
    assert.equal(withDeadline.status.id, 'x2');

    // Every stream the server answered: on Node 20 its HEADERS, all its DATA and its END_STREAM trailers are in
    // one write; elsewhere (public path) at least they all arrived.
    const byStream = new Map<number, Set<number>>();
    let ended = 0;
    for (const [w, bytes] of rec!.writes.entries()) {
      for (const f of parseFrames(bytes).frames) {
        if (f.streamId === 0) continue;
        if (!byStream.has(f.streamId)) byStream.set(f.streamId, new Set());
        byStream.get(f.streamId)!.add(w);
        if (f.type === FrameType.HEADERS && f.flags & END_STREAM) ended++;
      }
    }
    assert.equal(ended, 8, 'every call ended with trailers (or a trailers-only error)');
    if (process.versions.node.startsWith('20.')) {
      for (const [id, writes] of byStream) assert.equal(writes.size, 1, `stream ${id} answered in ${writes.size} writes`);
    }
  } finally {
    client.close();
    injector.destroy();
    server.forceShutdown();
    await new Promise<void>((r) => net0.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});
