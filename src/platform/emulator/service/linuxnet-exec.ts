/**
 * Running `ip` / `nft` for the emulator's Linux networking (./linuxnet.ts): one process per call, several `ip`
 * commands in one process with `ip -batch`, and the probe that says whether real networking can be built here.
 */
import { execFile, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { vforkRun } from './vfork-run.js';

export interface CmdResult { code: number; stdout: string; stderr: string }

export class LinuxNetError extends Error {}
/** The subnet is already routed on this Linux host (another emulator instance, or the host itself). */
export class SubnetOverlapError extends LinuxNetError {}

/** Whether real networking can be built here; `reason` says why not. */
export function probeLinuxNetworking(): { enabled: boolean; reason: string } {
  if (process.platform !== 'linux') return { enabled: false, reason: 'not Linux' };
  if (process.getuid?.() !== 0) return { enabled: false, reason: 'the emulator service does not run as root' };
  for (const [cmd, args] of [['ip', ['-V']], ['nft', ['--version']]] as const) {
    const r = spawnSync(cmd, [...args], { stdio: 'ignore' });
    if (r.error || r.status !== 0) return { enabled: false, reason: `\`${cmd}\` is not available` };
  }
  return { enabled: true, reason: '' };
}

export function run(cmd: string, args: string[], input?: string): Promise<CmdResult> {
  const fast = vforkRun(cmd, args, input);
  if (fast) return fast;
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function must(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await run(cmd, args, input);
  if (r.code !== 0) throw new LinuxNetError(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}
/** Runs a removal; "does not exist" is success. */
export async function quiet(cmd: string, args: string[]): Promise<void> { await run(cmd, args); }

export const ipCmd = (...args: string[]): Promise<string> => must('ip', args);
export const nft = (script: string): Promise<string> => must('nft', ['-f', '-'], script);

/**
 * Several `ip` commands in one process (`ip [-n netns] -batch -`, which stops at the first failing line). Every
 * line is checked to hold no quote, newline or backslash (batch lines are split on blanks). `undo` runs when a line
 * after the first failed (the first line created what `undo` removes; when it fails, nothing was created).
 */
export async function ipBatch(netns: string | undefined, lines: string[], undo?: string, shown = lines): Promise<void> {
  for (const l of lines) checkLine(l);
  const r = await run('ip', [...(netns ? ['-n', netns] : []), '-batch', '-'], lines.join('\n') + '\n');
  if (r.code === 0) return;
  const failedLine = Number(/Command failed -:(\d+)/.exec(r.stderr)?.[1] ?? 0);
  if (undo && failedLine !== 1) await run('ip', undo.split(' '));
  throw new LinuxNetError(`ip ${netns ? `-n ${netns} ` : ''}-batch: ${r.stderr.trim() || `exit ${r.code}`} (in: ${shown.join('; ')})`);
}

function checkLine(l: string): void {
  if (/[\n\r"'\\]/.test(l)) throw new LinuxNetError(`ip batch line with a quote, newline or backslash: ${l}`);
}

/**
 * Host lines, then lines inside `netns`, in one process started here: the host batch ends with `netns exec NETNS ip
 * -batch FILE` (a fork by that small `ip`, not a second process started by this much larger one). The inner lines go
 * through `file` (the outer batch holds stdin), removed afterwards; `file` must have no blank, quote or backslash.
 * `undo` runs when any line after the first failed, as for ipBatch.
 */
export async function ipBatchThenInside(host: string[], netns: string, inside: string[], file: string, undo?: string): Promise<void> {
  for (const l of [...inside, file]) checkLine(l);
  writeFileSync(file, inside.join('\n') + '\n', { mode: 0o600 });
  try {
    await ipBatch(undefined, [...host, `netns exec ${netns} ip -batch ${file}`], undo, [...host, ...inside.map((l) => `(in ${netns}) ${l}`)]);
  } finally { rmSync(file, { force: true }); }
}
