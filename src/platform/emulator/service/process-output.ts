/**
 * Starting a process with its output on FIFOs that survive the service (stdio-fifo.ts) and relaying that output
 * (relay.ts), at creation and again after a service restart.
 */
import { spawn } from 'node:child_process';
import { vforkSpawn, type SpawnedChild, type StdioSpec } from './vfork-spawn.js';
import type { Readable } from 'node:stream';
import { PlatformError, HRESULT } from '../../hresult.js';
import { OutRelay } from './relay.js';
import { SpoolRelay } from './spool-relay.js';
import { StdinSpool } from './stdin-spool.js';
import { removeSpills, spillSegments } from './spill.js';
import { createOutputFifos, closeWriters, removeFifos, openFifoReader, type FifoPaths, type OutName } from './stdio-fifo.js';

export interface SpawnPlan {
  file: string;
  args: string[];
  argv0?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  streams: { stdin: boolean; stdout: boolean; stderr: boolean };
  errTarget: 'pipe' | 'ignore';
  /** A console process (pty helper): a control pipe as fd 3, and the helper's own stderr shares the stdout pipe. */
  console: boolean;
  /** A pipe after those (fd 3, or 4 with a console) on which the namespace helper reports the program's pid. */
  pidPipe?: boolean;
  /**
   * A helper that outlives the service spools the output (the namespace helper's waiter,
   * ns-helper-spool-source.ts, or the pty helper's relay, console-helper.ts): the FIFOs are its doorbells, the
   * output is in spill files next to them (spool-relay.ts), and stdin, when the process has one, comes from files
   * the service spools it to (stdin-spool.ts). The helper's arguments given the FIFOs' paths.
   */
  spoolArgs?: (fifos: FifoPaths) => string[];
}

/** An output stream's relay: reading the FIFO itself (relay.ts), or the files a spooling helper writes. */
export type OutputRelay = OutRelay | SpoolRelay;

export interface SpawnedProcess {
  child: SpawnedChild;
  /** A spooled stdin (the child has none: the helper feeds the program). */
  stdin?: StdinSpool;
  out?: OutputRelay;
  err?: OutputRelay;
  /** Absent when the process has no output pipe. */
  fifos?: FifoPaths;
}

/**
 * A relay reading one output FIFO, spilling what it reads next to it (spill.ts); the FIFO's file goes once the
 * pipe ended (nothing can write to it again).
 */
function relayOf(reader: Readable | undefined, path: string | undefined, spool: boolean): OutputRelay | undefined {
  if (!reader) return undefined;
  if (path) reader.once('end', () => removeFifos({ stdout: path }));
  if (spool && path) return new SpoolRelay(reader, path);
  return new OutRelay([reader], path ? { spillAt: path } : {});
}

/** Spawns the planned program (detached) with its output on FIFOs; resolves once it runs. */
export async function spawnWithOutput(op: string, stateDir: string, plan: SpawnPlan, commandLine: string): Promise<SpawnedProcess> {
  const { streams, console } = plan;
  const names: OutName[] = [];
  if (streams.stdout) names.push('stdout');
  if (plan.errTarget === 'pipe' && !console) names.push('stderr');
  const spooled = !!plan.spoolArgs;
  const fifos = await createOutputFifos(op, stateDir, names, spooled && streams.stdin);
  const outFd = fifos.writers.stdout ?? 'ignore';
  const errFd = console ? outFd : (fifos.writers.stderr ?? 'ignore');
  const args = plan.spoolArgs ? plan.spoolArgs(fifos.paths) : plan.args;
  let child: SpawnedChild;
  try {
    const stdio: StdioSpec[] = [streams.stdin && !fifos.paths.stdin ? 'pipe' as const : 'ignore' as const, outFd, errFd, ...(console ? ['pipe' as const] : []), ...(plan.pidPipe ? ['pipe' as const] : [])];
    const opts = { cwd: plan.cwd, env: plan.env, detached: true, ...(plan.argv0 ? { argv0: plan.argv0 } : {}), stdio };
    // A console's control pipe is two-way (Node's socket pair): Node's spawn keeps it.
    child = (console ? null : vforkSpawn(plan.file, args, opts)) ?? spawn(plan.file, args, opts);
  } catch (e) {
    for (const r of Object.values(fifos.readers)) r.destroy();
    removeFifos(fifos.paths);
    throw e;
  } finally {
    closeWriters(fifos); // the child has its own copies (spawn forks synchronously)
  }
  const out = relayOf(fifos.readers.stdout, fifos.paths.stdout, spooled);
  const err = relayOf(fifos.readers.stderr, fifos.paths.stderr, spooled);
  const stdin = fifos.paths.stdin ? new StdinSpool(fifos.paths.stdin) : undefined;
  try {
    await new Promise<void>((res, rej) => {
      child.once('spawn', () => res());
      child.once('error', (e) => rej(new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, op, `${commandLine}: ${e.message}`)));
    });
  } catch (e) {
    out?.close();
    err?.close();
    stdin?.close();
    removeFifos(fifos.paths);
    removeSpills(fifos.paths);
    throw e;
  }
  return { child, out, err, ...(stdin ? { stdin } : {}), ...(names.length || stdin ? { fifos: fifos.paths } : {}) };
}

/** A process whose program never started (the helper reported why): its relays and files go once it exits. */
export function abandonSpawned(sp: SpawnedProcess, then: () => void): void {
  sp.out?.close();
  sp.err?.close();
  sp.stdin?.close();
  const clean = () => {
    if (sp.fifos) { removeFifos(sp.fifos); removeSpills(sp.fifos); }
    then();
  };
  if (sp.child.exitCode !== null || sp.child.signalCode !== null) clean(); else sp.child.once('exit', clean);
}

/**
 * After a service restart: relays of a process's output that replay what the killed service had spilled and read
 * on from the FIFOs (what the process wrote meanwhile). A FIFO that is gone (its pipe had ended) leaves a relay of
 * the spill alone, if one is left to replay.
 */
export function reopenOutputFifos(fifos: FifoPaths | undefined, log: (m: string) => void, spooled = false): { out?: OutputRelay; err?: OutputRelay; stdin?: StdinSpool } {
  const r: { out?: OutputRelay; err?: OutputRelay; stdin?: StdinSpool } = {};
  if (fifos?.stdin) r.stdin = new StdinSpool(fifos.stdin);
  for (const name of ['stdout', 'stderr'] as const) {
    const path = fifos?.[name];
    if (!path) continue;
    let reader: Readable | undefined;
    try {
      reader = openFifoReader(path);
      reader.once('end', () => removeFifos({ stdout: path }));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`output pipe ${path}: ${(e as Error).message}`);
      if (spillSegments(path).length === 0) continue;
    }
    const relay = spooled ? new SpoolRelay(reader, path) : new OutRelay(reader ? [reader] : [], { spillAt: path, restart: true });
    if (name === 'stdout') r.out = relay; else r.err = relay;
  }
  return r;
}
