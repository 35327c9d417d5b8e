/**
 * The setup of the lifecycle e2e tests (lifecycle-*.test.ts): a daemon with one imported image, pods and
 * containers of it, and the CRI log lines a container wrote.
 */
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, call, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';

export const IMAGE = 'example.com/wincri/e2e:1.0';

/** The CRI log records of the file at `path` (none while it does not exist). */
export function criLines(path: string): { ts: string; stream: string; tag: string; content: string }[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [ts, stream, tag, ...rest] = l.split(' ');
    return { ts: ts!, stream: stream!, tag: tag!, content: rest.join(' ') };
  });
}

export class LifecycleEnv {
  d!: Daemon;
  imageId = '';

  /** The daemon of this test file, with IMAGE imported: started before its tests, destroyed after them. */
  static forThisFile(): LifecycleEnv {
    const env = new LifecycleEnv();
    before(() => env.start());
    after(async () => { await env.d?.destroy(); });
    return env;
  }

  private async start(): Promise<void> {
    this.d = new Daemon();
    await this.d.start();
    const tar = await buildWindowsImage({
      dir: this.d.dir, names: [IMAGE], format: 'oci',
      layers: [{ 'app/greeting.txt': 'hello from the image\n' }],
      config: { Cmd: ['sh', '-c', 'cat C:/app/greeting.txt'], Env: ['FROM_IMAGE=yes'], WorkingDir: 'C:\\app' },
    });
    const out = this.d.importImage(tar);
    this.imageId = out.split('\t')[0]!.trim();
    assert.match(this.imageId, /^sha256:[0-9a-f]{64}$/);
  }

  waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
    return this.d.waitFor(what, fn, ms);
  }

  async runPod(name: string) {
    const config = podConfig(name, join(this.d.logDir, name));
    mkdirSync(config.logDirectory, { recursive: true });
    const { podSandboxId } = await call(this.d.runtime, 'RunPodSandbox', { config });
    return { id: podSandboxId as string, config };
  }

  async createCtr(pod: { id: string; config: unknown }, name: string, command: string[], extra: Record<string, unknown> = {}) {
    const logDir = join((pod.config as { logDirectory: string }).logDirectory, name);
    mkdirSync(logDir, { recursive: true });
    const { containerId } = await call(this.d.runtime, 'CreateContainer', {
      podSandboxId: pod.id,
      config: {
        metadata: { name, attempt: 0 }, image: { image: this.imageId, userSpecifiedImage: IMAGE }, command,
        logPath: `${name}/0.log`, labels: { 'io.kubernetes.container.name': name, tier: 'e2e' },
        annotations: { 'io.kubernetes.container.hash': 'abc123' }, ...extra,
      },
      sandboxConfig: pod.config,
    });
    return containerId as string;
  }

  /** A pod `podName` with a started container `name` running `command`; its log path. */
  async runningCtr(podName: string, name: string, command: string[]) {
    const pod = await this.runPod(podName);
    const id = await this.createCtr(pod, name, command);
    await call(this.d.runtime, 'StartContainer', { containerId: id });
    const st = await call(this.d.runtime, 'ContainerStatus', { containerId: id });
    return { pod, id, logPath: st.status.logPath as string };
  }
}
