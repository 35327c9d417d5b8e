/**
 * The relist's cached encodings (src/cri/list-encoding.ts) against an answer encoded from scratch, over random
 * pods and containers, random filters (id or prefix, pod, state, label selector) and random changes between lists
 * (state changes in place, configs replaced, records added and removed): the bytes the edge sends for
 * ListPodSandbox / ListContainers are the generated serializer's bytes for the filtered records, and decode to the
 * same objects. A seeded generator, so a failure names the round that shows it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCri } from '../../../src/cri/proto.js';
import { withEncodedLists } from '../../../src/cri/list-encoding.js';
import { containerToCri, podSandboxToCri } from '../../../src/cri/convert.js';
import { listPodSandbox } from '../../../src/cri/runtime-service/list-pod-sandbox.js';
import { listContainers } from '../../../src/cri/runtime-service/list-containers.js';
import { filterContainers, filterSandboxes } from '../../../src/runtime/filters.js';
import type { ContainerRecord, ContainerState, SandboxRecord, SandboxState } from '../../../src/runtime/model.js';
import type { CriContext } from '../../../src/cri/context.js';

const svc = loadCri().runtime.v1.RuntimeService.service;
const wrapped = withEncodedLists(svc);

/** mulberry32: a small seeded generator. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SANDBOX_STATES: SandboxState[] = ['SANDBOX_READY', 'SANDBOX_NOTREADY'];
const CONTAINER_STATES: ContainerState[] = ['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN'];

test('cached list answers equal answers encoded from scratch, for random records, filters and changes', () => {
  const r = rng(13);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const hex = (): string => Array.from({ length: 64 }, () => pick([...'0123456789abcdef'])).join('');
  const labels = (): Record<string, string> => Object.fromEntries([['app', pick(['a', 'b'])], ...(r() < 0.5 ? [['tier', pick(['x', 'y'])]] : [])]);
  const sandboxes = new Map<string, SandboxRecord>();
  const containers = new Map<string, ContainerRecord>();
  const newSandbox = (): void => {
    const id = hex();
    sandboxes.set(id, {
      id, runtimeHandler: pick(['', 'hyperv']), createdAt: String(1733300000000000000n + BigInt(Math.floor(r() * 1e9))), state: pick(SANDBOX_STATES), additionalIps: [],
      config: { metadata: { name: `p${id.slice(0, 4)}`, uid: id.slice(0, 8), namespace: pick(['default', 'kube-system']), attempt: Math.floor(r() * 3) }, labels: labels(), annotations: r() < 0.5 ? {} : { 'k/a': 'v' } },
    } as unknown as SandboxRecord);
  };
  const newContainer = (): void => {
    const pods = [...sandboxes.keys()];
    if (pods.length === 0) return;
    const id = hex();
    containers.set(id, {
      id, sandboxId: pick(pods), imageId: `sha256:${hex()}`, imageName: 'example.com/app:1', imageRef: `example.com/app@sha256:${hex()}`,
      createdAt: String(1733300000000000000n + BigInt(Math.floor(r() * 1e9))), startedAt: '0', finishedAt: '0', state: pick(CONTAINER_STATES),
      exitCode: 0, reason: '', message: '', scratchPath: '/x', logFile: '',
      config: { metadata: { name: `c${id.slice(0, 4)}`, attempt: 0 }, image: { image: 'example.com/app:1', annotations: {} }, labels: labels(), annotations: {} },
    } as unknown as ContainerRecord);
  };
  for (let i = 0; i < 20; i++) newSandbox();
  for (let i = 0; i < 40; i++) newContainer();

  const resolve = (p: string): string | undefined => {
    const m = [...sandboxes.keys(), ...containers.keys()].filter((id) => id.startsWith(p));
    return m.length === 1 ? m[0] : undefined;
  };
  const runtime = {
    listPodSandbox: (f?: Parameters<typeof filterSandboxes>[1]) => filterSandboxes(sandboxes.values(), f, resolve),
    listContainers: (f?: Parameters<typeof filterContainers>[1]) => filterContainers(containers.values(), f, resolve),
  };
  const ctx = { runtime } as unknown as CriContext;
  const someId = (m: Map<string, unknown>): string => { const id = pick([...m.keys()]); return r() < 0.5 ? id : id.slice(0, 5 + Math.floor(r() * 20)); };
  const selector = (): Record<string, string> => (r() < 0.6 ? {} : r() < 0.5 ? { app: pick(['a', 'b']) } : { app: pick(['a', 'b']), tier: pick(['x', 'y']) });

  for (let round = 0; round < 300; round++) {
    // changes between lists, as the runtime makes them: states in place, configs replaced, records come and go
    for (let k = Math.floor(r() * 4); k > 0; k--) {
      const what = r();
      if (what < 0.3 && sandboxes.size) pick([...sandboxes.values()]).state = pick(SANDBOX_STATES);
      else if (what < 0.6 && containers.size) pick([...containers.values()]).state = pick(CONTAINER_STATES);
      else if (what < 0.7 && containers.size) { const c = pick([...containers.values()]); c.config = { ...c.config, labels: labels() }; }
      else if (what < 0.8 && sandboxes.size) { const s = pick([...sandboxes.values()]); s.config = { ...s.config, labels: labels() }; }
      else if (what < 0.85) newSandbox();
      else if (what < 0.92) newContainer();
      else if (containers.size) containers.delete(pick([...containers.keys()]));
    }
    const podReq = svc.ListPodSandbox!.requestDeserialize(svc.ListPodSandbox!.requestSerialize(r() < 0.3 ? {} : {
      filter: { id: r() < 0.3 ? someId(sandboxes) : '', state: r() < 0.4 ? { state: pick(SANDBOX_STATES) } : null, labelSelector: selector() },
    })) as Parameters<typeof listPodSandbox>[0];
    const ctrReq = svc.ListContainers!.requestDeserialize(svc.ListContainers!.requestSerialize(r() < 0.3 ? {} : {
      filter: {
        id: r() < 0.2 ? someId(containers) : '', podSandboxId: r() < 0.3 ? someId(sandboxes) : '',
        state: r() < 0.4 ? { state: pick(CONTAINER_STATES) } : null, labelSelector: selector(),
      },
    })) as Parameters<typeof listContainers>[0];
    for (let twice = 0; twice < 2; twice++) {  // the second list of an unchanged state is served from the cached whole
      const pods = wrapped.ListPodSandbox!.responseSerialize(listPodSandbox(podReq, ctx));
      const podFilter = podReq.filter ? { id: podReq.filter.id || undefined, state: podReq.filter.state?.state as SandboxState | undefined, labelSelector: podReq.filter.labelSelector } : undefined;
      const podsRef = svc.ListPodSandbox!.responseSerialize({ items: filterSandboxes(sandboxes.values(), podFilter, resolve).map(podSandboxToCri) });
      assert.ok(pods.equals(podsRef), `round ${round}: ListPodSandbox bytes`);
      assert.deepEqual(svc.ListPodSandbox!.responseDeserialize(pods), svc.ListPodSandbox!.responseDeserialize(podsRef), `round ${round}: ListPodSandbox`);
      const ctrs = wrapped.ListContainers!.responseSerialize(listContainers(ctrReq, ctx));
      const f = ctrReq.filter;
      const ctrFilter = f ? { id: f.id || undefined, podSandboxId: f.podSandboxId || undefined, state: f.state?.state as ContainerState | undefined, labelSelector: f.labelSelector } : undefined;
      const ctrsRef = svc.ListContainers!.responseSerialize({ containers: filterContainers(containers.values(), ctrFilter, resolve).map(containerToCri) });
      assert.ok(ctrs.equals(ctrsRef), `round ${round}: ListContainers bytes`);
      assert.deepEqual(svc.ListContainers!.responseDeserialize(ctrs), svc.ListContainers!.responseDeserialize(ctrsRef), `round ${round}: ListContainers`);
    }
  }
});
