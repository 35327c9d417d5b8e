/**
 * Builds test/ffi/fakehcs.c (with fakejob.c and the HostProcess fakes fakeproc/acct/port/vol/con.c) with the machine's
 * gcc into a temp dir and exposes its test-only controls. The Windows backend loads the same .so for every DLL name
 * (computecore, computenetwork, computestorage, vmcompute, kernel32, advapi32, ole32, ucrt, netapi32, userenv). Controls are bound through the backend's own ffi helpers (koffi is imported only under
 * src/platform/windows).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLibraries, winapi, PCWSTR, PWSTR_OUT, HCS_OPERATION_COMPLETION, type KFunc, type WindowsLibraries } from '../../src/platform/windows/ffi/index.js';

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json')) || !existsSync(join(d, 'test', 'ffi', 'fakehcs.c'))) {
    const up = dirname(d);
    if (up === d) throw new Error('repository root not found');
    d = up;
  }
  return d;
}

let built: { dir: string; so: string } | undefined;
const others = new Map<string, string>();

/** Compiles another fake library of test/ffi (e.g. fakesvc.c, with fakepin.c's kernel32 pin) once per test process. */
export function buildFakeSource(file: string): string {
  const known = others.get(file);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), 'wincri-fake-'));
  const so = join(dir, file.replace(/\.c$/, '.so'));
  execFileSync('gcc', ['-shared', '-fPIC', '-pthread', '-O1', '-Wall', '-Wno-unused-parameter', '-o', so, join(repoRoot(), 'test', 'ffi', file),
    join(repoRoot(), 'test', 'ffi', 'fakepin.c'), '-ldl'], { stdio: 'pipe' });
  others.set(file, so);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return so;
}

/** Compiles the library once per test process; the directory is removed at exit. */
export function buildFakeLibrary(): string {
  if (built) return built.so;
  const dir = mkdtempSync(join(tmpdir(), 'wincri-fakehcs-'));
  const so = join(dir, 'fakehcs.so');
  execFileSync('gcc', ['-shared', '-fPIC', '-pthread', '-O1', '-Wall', '-Wno-unused-parameter', '-o', so,
    ...['fakehcs.c', 'fakejob.c', 'fakeproc.c', 'fakeacct.c', 'fakeport.c', 'fakevol.c', 'fakecon.c', 'fakepin.c'].map((f) => join(repoRoot(), 'test', 'ffi', f)), '-ldl'], { stdio: 'pipe' });
  built = { dir, so };
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return so;
}

export function fakeLibraries(so: string): WindowsLibraries {
  return { computecore: so, computenetwork: so, computestorage: so, vmcompute: so, kernel32: so, advapi32: so, ole32: so, ucrt: so, bindfltapi: so, netapi32: so, userenv: so };
}

export interface Call { fn: string; args: (string | null)[] }

export class FakeControls {
  private readonly f: Record<string, KFunc>;
  constructor(so: string) {
    const lib = loadLibraries(fakeLibraries(so)).computecore;
    const d = (name: string, ret: string, args: unknown[]) => winapi(lib, name, ret, args as never[]);
    this.f = {
      FakeFail: d('FakeFail', 'void', ['const char *', 'int32', 'const char *', 'int', 'int']),
      FakeClearFails: d('FakeClearFails', 'void', []),
      FakeSetDelay: d('FakeSetDelay', 'void', ['int']),
      FakeCallLogLength: d('FakeCallLogLength', 'uint64', []),
      FakeCallLogRead: d('FakeCallLogRead', 'uint64', ['void *', 'uint64']),
      FakeCallLogClear: d('FakeCallLogClear', 'void', []),
      FakeOutstandingStrings: d('FakeOutstandingStrings', 'int', []),
      FakeStringsHandedOut: d('FakeStringsHandedOut', 'int', []),
      FakeFreeErrors: d('FakeFreeErrors', 'int', []),
      FakeLastFreeError: d('FakeLastFreeError', 'const char *', []),
      FakeLiveHandles: d('FakeLiveHandles', 'int', ['int']),
      FakePipeSddl: d('FakePipeSddl', 'const char *', []),
      FakeEcho: d('FakeEcho', 'int32', [PCWSTR, PWSTR_OUT]),
      FakeFireFromThread: d('FakeFireFromThread', 'void', ['void *', 'uintptr_t', 'int']),
      FakeKillAll: d('FakeKillAll', 'void', []),
      FakeCrashSystem: d('FakeCrashSystem', 'int', ['const char *']),
      FakePins: d('FakePins', 'int', []),
    };
    void HCS_OPERATION_COMPLETION;
  }
  /** The next `count` calls of `fn` fail with hr (sync: the verb itself fails, else its operation). */
  fail(fn: string, hr: number, doc = '', count = 1, sync = false): void { this.f.FakeFail!(fn, hr | 0, doc, count, sync ? 1 : 0); }
  clearFails(): void { this.f.FakeClearFails!(); }
  setDelay(ms: number): void { this.f.FakeSetDelay!(ms); }
  calls(): Call[] {
    const n = Number(this.f.FakeCallLogLength!());
    const buf = Buffer.alloc(n);
    const got = Number(this.f.FakeCallLogRead!(buf, BigInt(n)));
    return buf.subarray(0, got).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call);
  }
  clearCalls(): void { this.f.FakeCallLogClear!(); }
  outstandingStrings(): number { return this.f.FakeOutstandingStrings!() as number; }
  stringsHandedOut(): number { return this.f.FakeStringsHandedOut!() as number; }
  freeErrors(): number { return this.f.FakeFreeErrors!() as number; }
  lastFreeError(): string { return this.f.FakeLastFreeError!() as string; }
  /** 0 all, 1 operations, 2 systems, 3 processes, 4 HCN objects, 5 files. */
  liveHandles(kind = 0): number { return this.f.FakeLiveHandles!(kind) as number; }
  pipeSddl(): string { return this.f.FakePipeSddl!() as string; }
  get raw(): Record<string, KFunc> { return this.f; }
  killAll(): void { this.f.FakeKillAll!(); }
  /** The system dies on its own (UnexpectedExit), its hosted systems first; false when it is not running. */
  crashSystem(id: string): boolean { return this.f.FakeCrashSystem!(id) === 1; }
  /** GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN) calls that pinned a library. */
  pins(): number { return this.f.FakePins!() as number; }
}
