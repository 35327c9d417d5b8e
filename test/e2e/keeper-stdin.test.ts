/**
 * A container's stdin survives a kill -9 of the IO keeper: a read loop (stdin, not stdin_once) keeps running, reads
 * what a later attach writes, and its log has every line once. The attach session open at the kill may break;
 * a new one works.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, call, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { SpdyTestClient, isRefused, type ClientStream } from '../helpers/streaming-client-spdy.js';

const IMAGE = 'example.com/wincri/keeper-stdin:1.0';
let d: Daemon;
let imageId = '';

before(async () => {
  d = new Daemon('wincri-keeper-stdin');
  await d.start();
  const tar = await buildWindowsImage({ dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'app/x.txt': 'x\n' }], config: { Cmd: ['sleep', '600'] } });
  imageId = d.importImage(tar).split('\t')[0]!.trim();
});

after(async () => { await d?.destroy(); });

const keeperPid = (): number | undefined => {
  try {
    const pid = Number(readFileSync(join(d.root, 'io', 'keeper.pid'), 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch { return undefined; }
};

interface Session { c: SpdyTestClient; error: ClientStream; stdin: ClientStream; stdout: ClientStream }

async function attach(containerId: string): Promise<Session> {
  const { url } = await call(d.runtime, 'Attach', { containerId, stdin: true, stdout: true, stderr: false });
  const c = await SpdyTestClient.connect(url, ['v4.channel.k8s.io']);
  if (isRefused(c)) throw new Error(`attach refused: ${c.status} ${c.body}`);
  const error = await c.open({ streamtype: ['error'] });
  const stdin = await c.open({ streamtype: ['stdin'] });
  const stdout = await c.open({ streamtype: ['stdout'] });
  return { c, error, stdin, stdout };
}

const keeperLog = (): string => { try { return readFileSync(join(d.root, 'io', 'keeper.log'), 'utf8'); } catch { return ''; } };

/** The log's stdout lines (CRI format: time stream tag text). */
const logLines = (path: string): string[] => {
  let text = '';
  try { text = readFileSync(path, 'utf8'); } catch { return []; }
  return text.split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' '));
};

const reattached = (): number => keeperLog().split('\n').filter((l) => l.includes('reattached to running container')).length;

/** A running read loop, attached once and fed `before-1..3`, then the keeper killed and back with the container. */
async function readerAcrossKill(name: string, stdinOnce: boolean) {
  const config = podConfig(name, join(d.logDir, name));
  mkdirSync(config.logDirectory, { recursive: true });
  const pod = (await call(d.runtime, 'RunPodSandbox', { config })).podSandboxId;
  const ctr = (await call(d.runtime, 'CreateContainer', {
    podSandboxId: pod, sandboxConfig: config,
    config: {
      metadata: { name: 'reader', attempt: 0 }, image: { image: imageId }, logPath: 'reader.log', stdin: true, stdinOnce,
      command: ['sh', '-c', 'echo started; while IFS= read -r l; do echo "got:$l"; done; echo stdin-eof; sleep 600'],
    },
  })).containerId;
  await call(d.runtime, 'StartContainer', { containerId: ctr });
  const log = join(config.logDirectory, 'reader.log');
  /** Waits for `line` in the log; the end of stdin before it, or a failed attach, fails the test. */
  const seen = (line: string, s?: Session) => d.waitFor(line, () => {
    const lines = logLines(log);
    if (s?.error.text()) throw new Error(`the attach failed: ${s.error.text()}`);
    if (lines.includes('stdin-eof') && line !== 'stdin-eof') throw new Error(`the container read the end of its stdin before ${line}:\n${lines.join('\n')}\n${d.log()}`);
    return lines.includes(line);
  }, 30_000);

  const first = await attach(ctr);
  for (let i = 1; i <= 3; i++) first.stdin.write(`before-${i}\n`);
  await seen('got:before-3', first);

  const killed = keeperPid();
  assert.ok(killed, 'the IO keeper runs');
  const taken = reattached();
  process.kill(killed, 'SIGKILL');
  await d.waitFor('the old keeper to die', () => { try { process.kill(killed, 0); return false; } catch { return true; } }, 10_000);
  // The daemon brings the keeper back when it next needs it.
  await d.waitFor('a new keeper', async () => {
    await call(d.runtime, 'ContainerStatus', { containerId: ctr }, 5000).catch(() => undefined);
    const p = keeperPid();
    return p !== undefined && p !== killed;
  }, 60_000);
  first.c.socket.destroy();
  // The new keeper has taken the container back (its stdio included) before anyone attaches.
  await d.waitFor('the new keeper to take the container back', () => reattached() > taken, 30_000);
  assert.match(keeperLog(), /reattached to running container \(output reopened\)/);
  const done = async () => {
    await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod });
    await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod });
  };
  return { ctr, log, seen, done };
}

const before3 = [1, 2, 3].map((i) => `got:before-${i}`);
const after3 = [1, 2, 3].map((i) => `got:after-${i}`);

test('kill -9 of the IO keeper: the container keeps its stdin; a new attach writes to it; no log line lost or doubled', async () => {
  const { ctr, log, seen, done } = await readerAcrossKill('keeper-stdin', false);
  const second = await attach(ctr);
  for (let i = 1; i <= 3; i++) second.stdin.write(`after-${i}\n`);
  await seen('got:after-3', second);
  await d.waitFor('the new lines on the new attach', () => second.stdout.text().includes('got:after-3'), 30_000);
  second.c.close();
  const st = (await call(d.runtime, 'ContainerStatus', { containerId: ctr })).status;
  assert.equal(st.state, 'CONTAINER_RUNNING');
  assert.deepEqual(logLines(log), ['started', ...before3, ...after3]);
  await done();
});

test('stdin_once across a kill -9 of the IO keeper: the next attach\'s end closes the container\'s stdin after its lines', async () => {
  const { log, ctr, seen, done } = await readerAcrossKill('keeper-stdin-once', true);
  const second = await attach(ctr);
  for (let i = 1; i <= 3; i++) second.stdin.write(`after-${i}\n`);
  second.stdin.end();
  await seen('stdin-eof', second);
  second.c.close();
  assert.deepEqual(logLines(log), ['started', ...before3, ...after3, 'stdin-eof']);
  await done();
});
