/**
 * A keeper killed with SIGKILL while a container floods its output loses no line and writes none twice: the
 * emulator's relay keeps what the keeper has not acknowledged and the restarted keeper resumes from the offsets
 * its log-offset journal states (log-offsets.ts). A killed emulator service does not kill the container (its output
 * pipes outlive the service: service/stdio-fifo.ts), and what the container writes while the service is down waits
 * in the pipe for the restarted one (a kill of the service in the middle of a flood: emulator-kill.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulatorPlatform } from '../../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../../src/platform/emulator/service-stop.js';
import { KeeperClient } from '../../../src/container-io/keeper-client.js';
import { keeperOnEmulator, runningSystem, quiet } from '../../helpers/keeper-world.js';
import type { ExitEvent } from '../../../src/container-io/protocol.js';
import { waitFor } from '../../helpers/wait-for.js';

const src = (p: string) => new URL(`../../../src/${p}`, import.meta.url).href;

/** A keeper in a process of its own (so it can be killed), on the emulator service at emuState. */
function keeperProcess(socketPath: string, stateDir: string, emuState: string): ChildProcess {
  const code = `
    const { createEmulatorPlatform } = await import(${JSON.stringify(src('platform/emulator/index.js'))});
    const { runKeeper } = await import(${JSON.stringify(src('container-io/keeper.js'))});
    const platform = await createEmulatorPlatform({ stateDir: ${JSON.stringify(emuState)} });
    await runKeeper({ socketPath: ${JSON.stringify(socketPath)}, stateDir: ${JSON.stringify(stateDir)}, platform });
    process.stdout.write('ready\\n');`;
  return spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function started(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`keeper exited early (${code})`)));
  });
}

const logSize = (p: string) => { try { return statSync(p).size; } catch { return 0; } };

test('keeper killed with SIGKILL mid-output, twice: every line in the log exactly once, in order', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-keeper-kill-'));
  const emuState = join(dir, 'emu');
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const sock = join(dir, 'k.sock');
  const platform = await createEmulatorPlatform({ stateDir: emuState });
  const children: ChildProcess[] = [];
  let client: KeeperClient | undefined;
  t.after(async () => {
    await client?.close();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await platform.close();
    await stopEmulatorService(emuState, { removingStateDir: true });
    rmSync(dir, { recursive: true, force: true });
  });
  await runningSystem(platform, 'flood');

  const first = keeperProcess(sock, join(dir, 'io'), emuState);
  children.push(first);
  await started(first);
  client = await KeeperClient.connect(sock, { log: quiet });
  const logPath = join(logDir, '0.log');
  const N = 200_000;
  await client.start({
    containerId: 'flood', systemId: 'flood', logPath,
    process: { CommandLine: `sh -c "seq 1 ${N}; seq 1 ${N / 10} >&2"`, CreateStdOutPipe: true, CreateStdErrPipe: true },
  });
  // Kill while the output streams: once after some output is in the log, once more a little later.
  let victim = first;
  for (const at of [64 * 1024, 512 * 1024]) {
    await waitFor(`log of ${at} bytes`, () => logSize(logPath) >= at);
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    await client.close();
    victim = keeperProcess(sock, join(dir, 'io'), emuState);
    children.push(victim);
    await started(victim);
    client = await KeeperClient.connect(sock, { log: quiet });
  }
  const events: ExitEvent[] = [];
  await client.onExit((e) => events.push(e));
  const listed = async () => (await client!.list()).find((a) => a.containerId === 'flood');
  await waitFor('exit', () => events.length > 0);
  assert.equal(events[0]!.exitCode, 0);
  assert.ok((await listed())?.exited, 'exit recorded');

  const recs = readFileSync(logPath, 'utf8').trimEnd().split('\n').map((l) => l.split(' '));
  const out = recs.filter((r) => r[1] === 'stdout');
  const err = recs.filter((r) => r[1] === 'stderr');
  const expect = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));
  // Full records only: a line split into P + F by a kill would show here.
  assert.deepEqual(out.filter((r) => r[2] !== 'F').length, 0, 'no partial records');
  assert.deepEqual(out.map((r) => r[3]), expect(N), 'stdout: each line once, in order');
  assert.deepEqual(err.map((r) => r[3]), expect(N / 10), 'stderr: each line once, in order');
});

test('emulator service killed with SIGKILL mid-output: the container keeps running (no SIGPIPE), every line once', async (t) => {
  const w = await keeperOnEmulator(t, 'wincri-emu-kill-');
  const { emuState, logDir, platform, client } = w;
  await runningSystem(platform, 'flood2');
  const events: ExitEvent[] = [];
  await client.onExit((e) => events.push(e));
  const logPath = join(logDir, '0.log');
  const N = 200_000;
  // 1000 lines, then wait for SIGUSR1 (sent once the emulator is dead), then a flood written while the service is
  // down or restarting; "done" is written only if the program was not killed by SIGPIPE on the way.
  const { pid } = await client.start({
    containerId: 'flood2', systemId: 'flood2', logPath,
    process: {
      CommandLine: `sh -c "trap 'go=1' USR1; seq 1 1000; while [ -z \\"$go\\" ]; do sleep 0.05; done; seq 1001 ${N}; seq 1 ${N / 10} >&2; echo done"`,
      CreateStdOutPipe: true, CreateStdErrPipe: true,
    },
  });
  await waitFor('the first 1000 lines in the log', () => readFileSync(logPath, 'utf8').includes(' stdout F 1000\n'));
  const servicePid = Number(readFileSync(join(emuState, 'service.pid'), 'utf8').trim());
  process.kill(servicePid, 'SIGKILL');
  await waitFor('the service to die', () => { try { process.kill(servicePid, 0); return false; } catch { return true; } });
  process.kill(pid, 'SIGUSR1');
  await waitFor('exit', () => events.length > 0, { timeoutMs: 60_000 });

  const recs = readFileSync(logPath, 'utf8').trimEnd().split('\n').map((l) => l.split(' '));
  const out = recs.filter((r) => r[1] === 'stdout').map((r) => r[3]);
  const err = recs.filter((r) => r[1] === 'stderr').map((r) => r[3]);
  const expect = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));
  assert.deepEqual(out, [...expect(N), 'done'], 'stdout: each line once, in order, and the program ran to its end');
  assert.deepEqual(err, expect(N / 10), 'stderr: each line once, in order');
});
