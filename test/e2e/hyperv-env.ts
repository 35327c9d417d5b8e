/**
 * The setup of the Hyper-V e2e tests (hyperv-*.test.ts): a registry with an older and a current Windows build whose
 * base layers carry UtilityVM files and one without them, a daemon trusting it, and the emulator's view of the
 * compute systems (its records: VSMB shares, HvSocket services, SCSI attachments).
 */
import { before, after } from 'node:test';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, call, podConfig } from './harness.js';
import { startRegistry, makeImage, Pusher, type Registry } from '../helpers/registry.js';
import { buildBaseLayerWithUtilityVm } from '../helpers/image-builder.js';
import { createEmulatorPlatform, type EmulatorPlatform } from '../../src/platform/emulator/index.js';
import type { ContainerDoc } from '../../src/platform/hcs/schema/index.js';

export const HV = 'runhcs-wcow-hypervisor';
export const OLD = makeImage({ osVersion: '10.0.17763.1', rawLayers: [buildBaseLayerWithUtilityVm({ 'Windows/build.txt': '17763\n' })] });
export const PLAIN = makeImage({ osVersion: '10.0.20348.1', layers: [{ 'Windows/build.txt': 'no utility VM\n' }] });
export const CUR = makeImage({ osVersion: '10.0.20348.1', rawLayers: [buildBaseLayerWithUtilityVm({ 'Windows/build.txt': '20348\n' })] });

export interface Share { Name: string; Path: string; Options?: { ReadOnly?: boolean; TakeBackupPrivilege?: boolean } }

export interface SystemRecord {
  id: string;
  vsmb?: Record<string, string>;
  document: {
    VirtualMachine?: { Devices?: { VirtualSmb?: { Shares?: Share[] }; HvSocket?: { HvSocketConfig?: { ServiceTable?: Record<string, unknown> } } } };
    HostedSystem?: { Container?: ContainerDoc };
  };
}

export class HyperVEnv {
  d!: Daemon;
  reg!: Registry;
  emu!: EmulatorPlatform;

  /** The environment of this test file: set up before its tests, torn down after them; none where `skip` says why not. */
  static forThisFile(skip: string | false = false): HyperVEnv {
    const env = new HyperVEnv();
    before(() => (skip ? undefined : env.start()));
    after(() => env.stop());
    return env;
  }

  private async start(): Promise<void> {
    this.reg = await startRegistry();
    const push = new Pusher({ url: this.reg.url });
    await push.image('e2e/old', '1', OLD);
    await push.image('e2e/cur', '1', CUR);
    await push.image('e2e/plain', '1', PLAIN);
    this.d = new Daemon('wincri-hyperv');
    appendFileSync(this.d.configFile, `registries:\n  "${this.reg.host}":\n    insecure: true\n`);
    await this.d.start();
    this.emu = await createEmulatorPlatform({ stateDir: join(this.d.root, 'emulator') });
  }

  private async stop(): Promise<void> {
    await this.emu?.close();
    await this.d?.destroy();
    await this.reg?.stop();
  }

  /** The registry reference of one of the pushed images: old, cur, plain. */
  ref(name: string): string { return `${this.reg.host}/e2e/${name}:1`; }

  async runPod(name: string, runtimeHandler: string, extra: Record<string, unknown> = {}) {
    const config = podConfig(name, join(this.d.logDir, name), extra);
    mkdirSync(config.logDirectory, { recursive: true });
    const { podSandboxId } = await call(this.d.runtime, 'RunPodSandbox', { config, runtimeHandler });
    return { id: podSandboxId as string, config };
  }

  async createCtr(pod: { id: string; config: { logDirectory: string } }, name: string, image: string, extra: Record<string, unknown> = {}) {
    mkdirSync(join(pod.config.logDirectory, name), { recursive: true });
    const { containerId } = await call(this.d.runtime, 'CreateContainer', {
      podSandboxId: pod.id, sandboxConfig: pod.config,
      config: { metadata: { name, attempt: 0 }, image: { image }, command: ['sh', '-c', `exec sleep 1000${name.length}`], logPath: `${name}/0.log`, ...extra },
    });
    return containerId as string;
  }

  /** The emulator's view of a compute system (undefined once it is gone). */
  async system(id: string) {
    return (await this.emu.compute.enumerateComputeSystems({ Ids: [id] }))[0];
  }

  /** The emulator's records of its compute systems (the documents they were created and modified with). */
  emulatorRecords(): SystemRecord[] {
    return JSON.parse(readFileSync(join(this.d.root, 'emulator', 'records', 'systems.json'), 'utf8')) as SystemRecord[];
  }

  /** The VSMB shares a utility VM has for hosted containers (`s<n>`; not the VM's own boot share). */
  containerShares(vmId: string): Share[] {
    const vm = this.emulatorRecords().find((s) => s.id === vmId);
    return (vm?.document.VirtualMachine?.Devices?.VirtualSmb?.Shares ?? []).filter((s) => /^s[0-9a-f]+$/.test(s.Name));
  }

  /** ExecSync of a shell script in container `id`. */
  async exec(id: string, script: string) {
    const r = await call(this.d.runtime, 'ExecSync', { containerId: id, cmd: ['sh', '-c', script], timeout: 20 });
    return { out: Buffer.from(r.stdout).toString(), err: Buffer.from(r.stderr).toString(), code: r.exitCode as number };
  }
}
