/**
 * Port-forward into an emulated HNS namespace: when the emulator builds real networking (root), the namespace is a
 * Linux network namespace and the connection is made inside it to 127.0.0.1:<port> — as Linux runtimes do, so a
 * pod listening on its loopback only is reachable too — through a small Node relay started with
 * `ip netns exec <ns>`, whose stdin/stdout become the connection. Without real networking the pod shares the
 * host's network: a plain TCP connection to 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { Duplex } from 'node:stream';

function tcp(port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('error', (e: NodeJS.ErrnoException) => {
      s.destroy();
      reject(new Error(e.code === 'ECONNREFUSED' ? `127.0.0.1:${port}: connection refused (nothing listens on that port)` : e.message));
    });
    s.once('connect', () => { s.removeAllListeners('error'); s.on('error', () => undefined); resolve(s); });
  });
}

/**
 * Runs inside the namespace (node -e): connects to 127.0.0.1:<argv[1]>, says "connected" on stderr, then relays
 * stdin → socket and socket → stdout with half-closes passed on both ways (nc would keep running after the
 * server's end until its stdin ends, so the client would never see the end of the stream).
 */
const RELAY = `
const s = require('net').connect({ host: '127.0.0.1', port: Number(process.argv[1]) });
s.on('connect', () => { process.stderr.write('connected\\n'); process.stdin.pipe(s); s.pipe(process.stdout); });
s.on('error', (e) => { process.stderr.write((e.code === 'ECONNREFUSED' ? 'refused: ' : '') + e.message + '\\n'); process.exit(1); });
s.on('close', () => process.stdout.end());
`;

function inNetns(netns: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', RELAY, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    let settled = false;
    const conn = Duplex.from({ readable: child.stdout, writable: child.stdin });
    conn.on('close', () => { if (child.exitCode === null) child.kill('SIGKILL'); });
    child.stdin.on('error', () => undefined);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('utf8');
      if (!settled && err.includes('connected\n')) { settled = true; resolve(conn); }
    });
    child.once('error', (e) => { if (!settled) { settled = true; reject(new Error(`cannot run ip netns exec: ${e.message}`)); } });
    child.once('exit', () => {
      if (settled) return;
      settled = true;
      conn.destroy();
      const why = /refused/i.test(err) ? 'connection refused (nothing listens on that port)' : err.trim() || 'the connection failed';
      reject(new Error(`127.0.0.1:${port} in the pod's network namespace: ${why}`));
    });
  });
}

export async function dialInNamespace(netnsOf: (id: string) => Promise<string | null>, namespaceId: string, port: number): Promise<Duplex> {
  const netns = await netnsOf(namespaceId);
  return netns ? inNetns(netns, port) : tcp(port);
}
