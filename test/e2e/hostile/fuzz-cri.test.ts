/**
 * CRI request fuzzing against the real daemon: valid requests, encoded as protobuf, mutated at the byte level and
 * sent raw to each RPC. Every call must answer (no hang) with a status other than Internal/Unknown (a malformed
 * message is the caller's fault), and afterwards the daemon still serves. Bounded in CI (WINCRI_FUZZ_SECONDS,
 * WINCRI_FUZZ_SEED as in test/helpers/fuzz.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { join } from 'node:path';
import { Daemon, call, podConfig } from '../harness.js';
import { loadCri } from '../../../src/cri/proto.js';
import { fuzz, mutateBytes } from '../../helpers/fuzz.js';

let d: Daemon;
let raw: grpc.Client;

before(async () => {
  d = new Daemon('wincri-fuzz-cri');
  await d.start();
  raw = new grpc.Client(`unix:${d.socket}`, grpc.credentials.createInsecure());
});
after(async () => { raw?.close(); await d?.destroy(); });

function seeds(): [string, string, Buffer][] {
  const pod = podConfig('fz', join(d.logDir, 'fz'));
  const ctr = { metadata: { name: 'c', attempt: 0 }, image: { image: 'sha256:' + 'a'.repeat(64) }, command: ['sleep', '1'], logPath: 'c.log', envs: [{ key: 'A', value: Buffer.from('b') }], mounts: [{ containerPath: 'C:\\d', hostPath: '/tmp' }] };
  const cri = loadCri() as any;
  const enc = (type: string, v: Record<string, unknown>) => {
    const method = type.replace(/Request$/, '');
    const svc = cri.runtime.v1.RuntimeService.service[method] ? cri.runtime.v1.RuntimeService : cri.runtime.v1.ImageService;
    return svc.service[method].requestSerialize(v) as Buffer;
  };
  return [
    ['RuntimeService', 'RunPodSandbox', enc('RunPodSandboxRequest', { config: pod })],
    ['RuntimeService', 'CreateContainer', enc('CreateContainerRequest', { podSandboxId: 'x'.repeat(64), config: ctr, sandboxConfig: pod })],
    ['RuntimeService', 'PodSandboxStatus', enc('PodSandboxStatusRequest', { podSandboxId: 'abc', verbose: true })],
    ['RuntimeService', 'ListContainers', enc('ListContainersRequest', { filter: { state: { state: 1 }, labelSelector: { a: 'b' } } })],
    ['RuntimeService', 'ExecSync', enc('ExecSyncRequest', { containerId: 'abc', cmd: ['x'], timeout: 1 })],
    ['RuntimeService', 'UpdateRuntimeConfig', enc('UpdateRuntimeConfigRequest', { runtimeConfig: { networkConfig: { podCidr: '10.9.0.0/24' } } })],
    ['ImageService', 'ImageStatus', enc('ImageStatusRequest', { image: { image: 'example.com/a:1' } })],
    ['ImageService', 'RemoveImage', enc('RemoveImageRequest', { image: { image: 'sha256:' + 'b'.repeat(64) } })],
  ];
}

function rawCall(service: string, method: string, body: Buffer): Promise<grpc.status> {
  return new Promise((resolve) => {
    raw.makeUnaryRequest(`/runtime.v1.${service}/${method}`, (b: Buffer) => b, (b: Buffer) => b, body, new grpc.Metadata(), { deadline: Date.now() + 30_000 },
      (e) => resolve(e ? e.code : grpc.status.OK));
  });
}

test('mutated protobuf requests: every RPC answers, never Internal or Unknown; the daemon serves on', async () => {
  // WINCRI_FUZZ_CRI_PODS=0 leaves RunPodSandbox out: no pod, so no host networking is built (no lock needed).
  const corpus = seeds().filter(([, m]) => process.env.WINCRI_FUZZ_CRI_PODS !== '0' || m !== 'RunPodSandbox');
  const codes = new Map<string, number>();
  const r = await fuzz({
    name: 'cri', corpus, seconds: 8, hangMs: 35_000,
    show: ([s, m, b]) => `${s}/${m} ${b.toString('base64')}`,
    mutate: ([s, m, b], rng): [string, string, Buffer] => [s, m, mutateBytes(b, rng, corpus.map((c) => c[2]))],
    target: async ([s, m, b]) => {
      const code = await rawCall(s, m, b);
      codes.set(grpc.status[code], (codes.get(grpc.status[code]) ?? 0) + 1);
      if (code === grpc.status.INTERNAL || code === grpc.status.UNKNOWN) throw new Error(`${m} answered ${grpc.status[code]}`);
    },
    expected: () => false,
  });
  // Pods a mutated but valid request created are removed again.
  for (const p of (await call(d.runtime, 'ListPodSandbox', {})).items) {
    await call(d.runtime, 'StopPodSandbox', { podSandboxId: p.id });
    await call(d.runtime, 'RemovePodSandbox', { podSandboxId: p.id });
  }
  console.log(`fuzz cri: ${r.iterations} requests, seed ${r.seed}, codes ${JSON.stringify(Object.fromEntries(codes))}`);
  assert.deepEqual(r.failures, [], r.failures.join('\n\n'));
  assert.ok((await call(d.runtime, 'Version', {})).runtimeName);
  assert.equal(d.proc!.exitCode, null);
});

test('regression found by the fuzzer: an undecodable request is InvalidArgument naming its message type, not Internal', async () => {
  const e = await new Promise<grpc.ServiceError | null>((resolve) => raw.makeUnaryRequest('/runtime.v1.RuntimeService/RunPodSandbox', (b: Buffer) => b, (b: Buffer) => b,
    Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), new grpc.Metadata(), { deadline: Date.now() + 30_000 }, (err) => resolve(err)));
  assert.equal(e && grpc.status[e.code], 'INVALID_ARGUMENT');
  assert.match(e!.details, /not a valid RunPodSandboxRequest message/);
});
