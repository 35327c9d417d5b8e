/**
 * Helpers for tests that check real packet flow through Linux network namespaces (root only): a TCP server and
 * client run with `ip netns exec`, a free private subnet, and the leak audit of everything named wincri-*.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';

export function rootNetworkingSkipReason(): string | false {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (real network namespaces, veths, bridges, nftables); CI runs as root';
  for (const c of ['ip', 'nft']) if (spawnSync(c, ['--version'], { stdio: 'ignore' }).error) return `needs \`${c}\` (test/setup.mjs installs it)`;
  return false;
}

const inNs = (netns: string | undefined, argv: string[]): [string, string[]] =>
  netns ? ['ip', ['netns', 'exec', netns, ...argv]] : [argv[0]!, argv.slice(1)];

/** A TCP server in `netns` answering every connection with `reply` then closing. Resolves once listening. */
export async function tcpServer(netns: string | undefined, port: number, reply: string, host = '0.0.0.0'): Promise<ChildProcess> {
  const code = `require('net').createServer((s)=>{s.on('error',()=>{});s.end(${JSON.stringify(reply)});}).listen(${port},${JSON.stringify(host)},()=>console.log('listening'))`;
  const [cmd, args] = inNs(netns, [process.execPath, '-e', code]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((res, rej) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('listening')) res(); });
    child.once('exit', (c) => rej(new Error(`server exited ${c}: ${err}`)));
  });
  return child;
}

/** Connects from `netns` (or the host) and returns what the server sent; rejects on failure / after timeoutMs. */
export function tcpGet(netns: string | undefined, host: string, port: number, timeoutMs = 3000): Promise<string> {
  const code = `const s=require('net').connect(${port},${JSON.stringify(host)});let d='';s.setTimeout(${timeoutMs},()=>{console.error('timeout');process.exit(3)});s.on('data',(x)=>d+=x);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('error',(e)=>{console.error(e.message);process.exit(2)})`;
  const [cmd, args] = inNs(netns, [process.execPath, '-e', code]);
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (c) => (c === 0 ? res(out) : rej(new Error(`connect ${host}:${port} from ${netns ?? 'host'} failed: ${err.trim()}`))));
  });
}

export async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** A 10.x.y.0/24 that no host route overlaps. */
export function freeSubnet(): { prefix: string; gateway: string; base: string } {
  const routes = spawnSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' }).stdout;
  for (;;) {
    const b = `10.${randomInt(100, 250)}.${randomInt(0, 255)}`;
    if (!routes.includes(`${b}.`)) return { prefix: `${b}.0/24`, gateway: `${b}.1`, base: b };
  }
}

/** Names of Linux objects carrying the wincri- prefix: network namespaces, links, nftables tables. */
export function labelledObjects(): { netns: string[]; links: string[]; tables: string[] } {
  const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
  const tables = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' }).stdout;
  return {
    netns: ns.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith('wincri-')),
    links: links.split('\n').map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1] ?? '').filter((n) => n.startsWith('wincri-')),
    tables: tables.split('\n').map((l) => l.trim().split(' ')[2] ?? '').filter((n) => n.startsWith('wincri-')),
  };
}
