/**
 * Shared set-up for the Windows job-container tests: the fake library (fakehcs.c + fakejob.c + fakeproc.c), its
 * test controls, a platform on it with a state directory, and job documents built by the real builder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { buildFakeLibrary, fakeLibraries } from './fakelib.js';
import { createWindowsPlatform, type WindowsPlatform } from '../../src/platform/windows/index.js';
import { loadLibraries, winapi } from '../../src/platform/windows/ffi/index.js';
import { buildJobContainerDocument } from '../../src/platform/jobs/document/index.js';
import type { ContainerSpec } from '../../src/platform/spec.js';
import type { JobContainerDoc } from '../../src/platform/jobs/schema.js';

export const so = buildFakeLibrary();
const lib = loadLibraries(fakeLibraries(so)).kernel32;
const fn = (name: string, ret: string, args: string[]) => winapi(lib, name, ret, args);
const procDescribe = fn('FakeProcDescribe', 'const char *', ['uint32']);
const accounts = fn('FakeAccounts', 'const char *', []);
const volumeLog = fn('FakeVolumeLog', 'const char *', []);
const jobDescribe = fn('FakeJobDescribe', 'const char *', ['const char *']);
const envBlocks = fn('FakeEnvBlocksOutstanding', 'int', []);
const consoles = fn('FakeConsoles', 'int', []);

export interface FakeProc {
  pid: number; cmd: string; cwd: string; user: string; env: string; flags: number; inherit: number;
  assignedBeforeResume: number; started: number; exited: number; exitCode: number; ctrl: number; handles: number; console: string;
}
export const fake = {
  proc(pid: number): FakeProc | undefined { const t = procDescribe(pid) as string; return t ? JSON.parse(t) as FakeProc : undefined; },
  accounts(): { name: string; group: string }[] { return JSON.parse(accounts() as string) as { name: string; group: string }[]; },
  volumeLog(): string[] { return (volumeLog() as string).split('\n').filter(Boolean); },
  job(name: string): Record<string, unknown> | undefined { const t = jobDescribe(name) as string; return t ? JSON.parse(t) as Record<string, unknown> : undefined; },
  envBlocks(): number { return envBlocks() as number; },
  /** Pseudo consoles not closed. */
  consoles(): number { return consoles() as number; },
  addUser: fn('FakeAddUser', 'void', ['const char *', 'const char *']),
};

export function stateDir(): string { return mkdtempSync(join(tmpdir(), 'wincri-jobs-')); }

export async function platformOn(dir: string | undefined, opts: { bindFilter?: boolean } = {}): Promise<WindowsPlatform> {
  const libraries = { ...fakeLibraries(so), ...(opts.bindFilter === false ? { bindfltapi: join(tmpdir(), 'no-bindfltapi.so') } : {}) };
  return createWindowsPlatform({ libraries, host: { osVersion: '10.0.20348', architecture: 'amd64' }, stateDir: dir });
}

export function spec(user: string, extra: Partial<ContainerSpec['windows']> = {}): ContainerSpec {
  return {
    ociVersion: '1.2.0',
    process: { args: ['agent.exe'], env: [], cwd: 'C:\\hpc', terminal: false, user: { username: user } },
    mounts: [{ destination: 'C:\\var\\run\\secrets', source: 'C:\\kubelet\\token', options: ['ro'] }],
    annotations: {},
    windows: { layerFolders: [], hostProcess: true, ...extra },
  };
}

export const VOLUME = '\\\\?\\Volume{5a1c3b0e-0000-0000-0000-100000000009}\\';

export function jobDoc(id: string, user: string, fileBinding = true, extra: Partial<ContainerSpec['windows']> = {}): JobContainerDoc {
  return buildJobContainerDocument(spec(user, extra), {
    owner: 'wincri', id, rootVolume: VOLUME, layers: [], fileBinding, hostProcessorCount: 4, localGroups: ['hpc agents', 'users'],
  });
}

export async function readAll(s: Readable | undefined): Promise<string> {
  if (!s) return '';
  let out = '';
  for await (const c of s) out += String(c);
  return out;
}
