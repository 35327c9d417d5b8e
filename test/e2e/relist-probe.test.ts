/**
 * The bench's Go relist probe (bench/steady/go/relist-probe.go, grpc-go like kubelet): built here from Debian's
 * Go packages and run against the real daemon with a few pods, one container each. Every recorded relist is a
 * JSON line; the counts the probe decoded are the daemon's; a probe told to expect more than it sees fails instead
 * of timing, one told to expect fewer passes (at least the expected count, as the Node relist checks). Skipped with the reason when Go or grpc-go is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, call, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { goProbeUnavailable, buildGoProbe, runGoProbe } from '../../bench/steady/go-probe.js';

const skip = goProbeUnavailable();
const IMAGE = 'example.com/wincri/relist-probe:1.0';
const PODS = 3;

function runRaw(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 120_000 }, (e, stdout, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr }));
  });
}

test('Go relist probe: decodes the daemon\'s pods and containers, one JSON line per sample, fails on too few', { skip }, async () => {
  const bin = buildGoProbe();
  const d = new Daemon('wincri-relist-probe');
  try {
    await d.start();
    const tar = await buildWindowsImage({ dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'app/x.txt': 'x\n' }], config: { Cmd: ['sh', '-c', 'sleep 60'] } });
    const imageId = d.importImage(tar).split('\t')[0]!.trim();
    for (let i = 0; i < PODS; i++) {
      const config = podConfig(`rp${i}`, join(d.logDir, `rp${i}`));
      mkdirSync(config.logDirectory, { recursive: true });
      const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
      await call(d.runtime, 'CreateContainer', {
        podSandboxId, config: { metadata: { name: 'c0', attempt: 0 }, image: { image: imageId }, command: ['sh', '-c', 'sleep 60'], logPath: 'c0/0.log' }, sandboxConfig: config,
      });
    }
    // the bench's parser over the probe's output: both endpoint spellings, interleaved
    const r = await runGoProbe(bin, [['a', d.endpoint], ['b', d.socket]], { pods: PODS, warmup: 4, samples: 7, block: 3 });
    for (const name of ['a', 'b']) {
      const t = r.get(name)!;
      assert.equal(t.pods, PODS, `${name}: pods the probe decoded`);
      assert.equal(t.containers, PODS, `${name}: containers the probe decoded`);
      assert.equal(t.samples.length, 7);
      assert.equal(t.podsMs.length, 7);
      assert.equal(t.ctrsMs.length, 7);
      assert.ok(t.samples.every((ms) => Number.isFinite(ms) && ms > 0), `${name}: samples ${t.samples.join(', ')}`);
      assert.equal(t.warmup?.n, 4);
    }
    // the raw lines: the shape the bench reads, blocks of 2 alternating between the endpoints (a b, b a, …)
    const raw = await runRaw(bin, ['-pods', String(PODS), '-warmup', '0', '-samples', '4', '-block', '2', '-switch', '1', `a=${d.endpoint}`, `b=${d.socket}`]);
    assert.equal(raw.code, 0, raw.stderr);
    const lines = raw.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const samples = lines.filter((l) => l.type === 'sample');
    assert.deepEqual(samples.map((l) => l.target), ['a', 'a', 'b', 'b', 'b', 'b', 'a', 'a']);
    for (const s of samples) {
      assert.deepEqual(Object.keys(s).sort(), ['ctrsMs', 'ms', 'podsMs', 'target', 'type']);
      assert.ok(Math.abs((s.podsMs as number) + (s.ctrsMs as number) - (s.ms as number)) < 1e-6);
    }
    assert.deepEqual(lines.filter((l) => l.type === 'done'), [
      { type: 'done', target: 'a', pods: PODS, containers: PODS, samples: 4 }, { type: 'done', target: 'b', pods: PODS, containers: PODS, samples: 4 },
    ]);
    // expecting fewer (others' pods on the runtime): at least the expected count passes, the real counts reported
    const fewer = await runRaw(bin, ['-pods', String(PODS - 1), '-warmup', '1', '-samples', '1', `a=${d.socket}`]);
    assert.equal(fewer.code, 0, fewer.stderr);
    assert.deepEqual(fewer.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === 'done'),
      [{ type: 'done', target: 'a', pods: PODS, containers: PODS, samples: 1 }]);
    // expecting more: the probe fails with what it saw rather than timing
    const wrong = await runRaw(bin, ['-pods', String(PODS + 1), '-warmup', '1', '-samples', '1', `a=${d.socket}`]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, new RegExp(`a: relist saw ${PODS} pods, ${PODS} containers; expected at least ${PODS + 1}`));
    await assert.rejects(runGoProbe(bin, [['a', d.socket]], { pods: PODS + 1, warmup: 0, samples: 1 }), /Go relist probe failed: relist-probe: a: relist saw/);
  } finally {
    await d.destroy();
  }
});

test('Go relist probe: -localhost targets send :authority "localhost", the others the socket path (refused by a plain nghttp2 server)', { skip }, async () => {
  const bin = buildGoProbe();
  const dir = mkdtempSync(join(tmpdir(), 'wincri-probe-authority-'));
  const sockPath = join(dir, 'h2.sock');
  const seen: string[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    seen.push(String(headers[':authority']));
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(Buffer.alloc(5)); // one empty message: no pods, no containers
  });
  await new Promise<void>((r) => server.listen(sockPath, () => r()));
  try {
    const ok = await runRaw(bin, ['-pods', '0', '-warmup', '1', '-samples', '1', '-localhost', 'a', `a=${sockPath}`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(seen.length >= 4 && seen.every((a) => a === 'localhost'), `authorities seen: ${seen.join(', ')}`);
    seen.length = 0;
    const path = await runRaw(bin, ['-pods', '0', '-warmup', '1', '-samples', '1', `b=${sockPath}`]);
    assert.equal(path.code, 1, 'nghttp2 resets a stream whose :authority is a path');
    assert.deepEqual(seen, [], 'no request with a path authority reached the server');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});
