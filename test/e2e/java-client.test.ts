/**
 * A real grpc-java client (Debian's libgrpc-java 1.41 on Netty 4.1.48) over the daemon's unix socket: Version,
 * ListImages, a pod and container lifecycle, a 3 MiB answer, caller mistakes and the GetContainerEvents stream,
 * each compared with what grpc-js gets. grpc-java dials the socket with NettyChannelBuilder.forAddress(address), so
 * its :authority is the socket path, which a plain grpc-js server refuses (PROTOCOL_ERROR) and wincri accepts. Debian's Netty has no epoll native library: the client then uses a JDK
 * unix-domain channel under the packaged HTTP/2 stack (java/JdkUnixChannel.java). Skipped when packages are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadCri } from '../../src/cri/proto.js';
import { Daemon, call, podConfig } from './harness.js';
import { JavaClient, StatusError, compileJavaClient, javaSkipReason } from './java-driver.js';
import { within } from './within.js';
import { buildWindowsImage } from '../helpers/image-builder.js';

const skip = javaSkipReason();

async function statusOf(p: Promise<unknown>): Promise<StatusError> {
  try { await p; } catch (e) { if (e instanceof StatusError) return e; throw e; }
  throw new Error('expected an error status, the call succeeded');
}

test('grpc-java (Debian libgrpc-java) over the unix socket: lifecycle, large answer, error codes and events as grpc-js sees them', { skip, timeout: 300_000 }, async () => {
  const classes = mkdtempSync(join(tmpdir(), 'wincri-javaclient-'));
  const d = new Daemon('wincri-javaclient');
  let java: JavaClient | undefined;
  const plain = new grpc.Server();
  try {
    compileJavaClient(classes);
    // the premise: the socket path as :authority makes a plain grpc-js server reset the stream
    plain.addService(loadCri().runtime.v1.RuntimeService.service, { Version: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, {}) });
    const plainSock = join(classes, 'plain.sock');
    await new Promise<void>((ok, fail) => plain.bindAsync(`unix:${plainSock}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? fail(e) : ok())));
    const before = new JavaClient(classes, plainSock);
    const refused = await statusOf(before.unary('RuntimeService', 'Version', {}));
    assert.equal(await before.end(), 0, before.stderr);
    assert.equal(refused.code, 'INTERNAL');
    assert.match(refused.details, /PROTOCOL_ERROR/);

    await d.start();
    const tar = await buildWindowsImage({ dir: d.dir, names: ['example.com/wincri/java:1.0'], format: 'oci', layers: [{ 'app/x.txt': 'x\n' }], config: { Cmd: ['sh'] } });
    const imageId = d.importImage(tar).split('\t')[0]!.trim();
    java = new JavaClient(classes, d.socket);
    const j = java;

    const version = await j.unary('RuntimeService', 'Version', { version: '0.1.0' });
    assert.deepEqual(version, await call(d.runtime, 'Version', { version: '0.1.0' }), `${j.stderr}\n${d.log()}`);
    assert.equal(version.runtimeName, 'wincri');
    assert.deepEqual(await j.unary('ImageService', 'ListImages', {}), await call(d.image, 'ListImages', {}));

    const events = j.stream('GetContainerEvents', {});
    await within(events.headers, 30_000, () => `grpc-java GetContainerEvents headers\n${j.stderr}\n${d.log()}`);
    const jsEvents: { id: string; type: string }[] = [];
    const jsStream = (d.runtime as any).GetContainerEvents({}) as grpc.ClientReadableStream<any>;
    jsStream.on('data', (e: any) => jsEvents.push({ id: e.containerId, type: e.containerEventType }));
    jsStream.on('error', () => undefined);
    await within(new Promise((ok) => jsStream.once('metadata', ok)), 30_000, () => `grpc-js GetContainerEvents headers\n${d.log()}`);

    const config = podConfig('java-pod', join(d.logDir, 'java-pod'));
    mkdirSync(join(config.logDirectory, 'app'), { recursive: true });
    const { podSandboxId: pod } = await j.unary('RuntimeService', 'RunPodSandbox', { config });
    const { containerId: ctr } = await j.unary('RuntimeService', 'CreateContainer', {
      podSandboxId: pod, sandboxConfig: config,
      config: { metadata: { name: 'app', attempt: 0 }, image: { image: imageId }, command: ['sh', '-c', 'while true; do sleep 0.1; done'], logPath: 'app/0.log' },
    });
    await j.unary('RuntimeService', 'StartContainer', { containerId: ctr });
    const listReq = { filter: { podSandboxId: pod } };
    assert.deepEqual(await j.unary('RuntimeService', 'ListContainers', listReq), await call(d.runtime, 'ListContainers', listReq));
    const status = await j.unary('RuntimeService', 'ContainerStatus', { containerId: ctr });
    assert.deepEqual(status, await call(d.runtime, 'ContainerStatus', { containerId: ctr }));
    assert.equal(status.status.state, 'CONTAINER_RUNNING');

    // larger than HTTP/2's default window and frame size
    const big = await j.unary('RuntimeService', 'ExecSync', { containerId: ctr, cmd: ['sh', '-c', 'head -c 3145728 /dev/zero | tr "\\0" a'], timeout: 30 });
    assert.equal(big.exitCode, 0);
    assert.ok(Buffer.from(big.stdout).equals(Buffer.alloc(3 * 1024 * 1024, 'a')), `stdout of ${big.stdout.length} bytes`);

    const unknown = await statusOf(j.unary('RuntimeService', 'ContainerStatus', { containerId: '0'.repeat(64) }));
    assert.equal(unknown.code, 'NOT_FOUND', unknown.message);
    const badStart = await statusOf(j.unary('RuntimeService', 'StartContainer', { containerId: 'f'.repeat(64) }));
    assert.equal(badStart.code, 'NOT_FOUND', badStart.message);

    await j.unary('RuntimeService', 'StopPodSandbox', { podSandboxId: pod });
    await j.unary('RuntimeService', 'RemovePodSandbox', { podSandboxId: pod });
    assert.deepEqual((await j.unary('RuntimeService', 'ListContainers', {})).containers, []);

    const seen = (list: { id: string; type: string }[]) => list.some((e) => e.id === pod && e.type === 'CONTAINER_DELETED_EVENT');
    const javaEvents = () => events.messages.map((e) => ({ id: e.containerId as string, type: e.containerEventType as string }));
    await d.waitFor('both clients to see the sandbox deleted', () => seen(javaEvents()) && seen(jsEvents), 15_000);
    events.cancel();
    assert.equal(await within(events.closed, 30_000, () => j.stderr), 'CANCELLED');
    jsStream.cancel();
    const ours = (list: { id: string; type: string }[]) => list.filter((e) => e.id === pod || e.id === ctr);
    assert.deepEqual(ours(javaEvents()).filter((e) => e.id === ctr).map((e) => e.type),
      ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT']);
    assert.deepEqual(ours(javaEvents()), ours(jsEvents), 'both clients saw the same events in the same order');

    assert.equal(await j.end(), 0, j.stderr);
    console.log(`# grpc-java transport: ${await j.transport}`);
  } finally {
    java?.kill();
    plain.forceShutdown();
    await d.destroy();
    rmSync(classes, { recursive: true, force: true });
  }
});
