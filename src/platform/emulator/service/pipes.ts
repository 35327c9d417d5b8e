/**
 * Named pipes in the emulator. Linux has no `\\.\pipe\` namespace; the emulator's stand-in for a host named pipe
 * `\\.\pipe\<name>` is the unix socket `<state dir>/pipes/<file>` (a host program "creates the pipe" by listening
 * there; `<file>` is `<name>` in lower case with `%`, `/`, `\` and other characters escaped: pipe-socket-name.ts),
 * and inside a container `\\.\pipe\<ContainerPipeName>` is the socket `C:\run\pipe\<ContainerPipeName>` (`/run/pipe/<name>`
 * from the container's root). A MappedPipe (HCS: the host pipe reachable in the container
 * under its container name) becomes one more file mapping: bound into the container's mount namespace when it is
 * isolated, a link otherwise. As with HCS, the host pipe must exist when the container starts.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { PlatformError, HRESULT } from '../../hresult.js';
import { pipeNameOf } from '../../host-path.js';
import { pipeSocketFile } from './pipe-socket-name.js';
import { presentPipeSocket } from './pipe-socket-legacy.js';
import type { ContainerDoc, MappedDirectoryDoc } from '../../hcs/schema/index.js';

export const PIPES_DIR = 'pipes';
export const CONTAINER_PIPE_DIR = 'C:\\run\\pipe';

let hostPipeDir: string | undefined;
let log: ((m: string) => void) | undefined;
/** Set once by the service: where host named pipes live (`<state dir>/pipes`), and its log. */
export function setHostPipeDir(stateDir: string, sink?: (m: string) => void): void { hostPipeDir = join(stateDir, PIPES_DIR); log = sink; }

/**
 * The unix socket standing for the host pipe `hostPath` names (platform/host-path.ts pipeNameOf, any spelling):
 * every spelling of one pipe gives the same socket, two pipes never share one (pipe-socket-name.ts).
 */
export function hostPipeSocket(hostPath: string): string | undefined {
  const name = pipeNameOf(hostPath);
  if (name === undefined || !hostPipeDir) return undefined;
  return join(hostPipeDir, pipeSocketFile(name, hostPipeDir));
}

/** The socket of an existing host pipe: hostPipeSocket's, or one named as by older wincri (pipe-socket-legacy.ts). */
export function existingHostPipeSocket(hostPath: string): string | undefined {
  const name = pipeNameOf(hostPath);
  const current = hostPipeSocket(hostPath);
  return name === undefined || !current || !hostPipeDir ? current : presentPipeSocket(hostPipeDir, name, current, log);
}

/**
 * The container's MappedPipes as file mappings of their sockets (the host pipe must exist). The container-side
 * name is kept as written: a program in the container opens `/run/pipe/<name>` as its pod spec spells it (no
 * emulated lookup folds case there, as Windows' would).
 */
export function pipeMappings(op: string, c: ContainerDoc | undefined): MappedDirectoryDoc[] {
  return (c?.MappedPipes ?? []).flatMap((p) => {
    const socket = p.HostPath ? existingHostPipeSocket(p.HostPath) : undefined;
    if (!socket || !p.ContainerPipeName) return [];
    if (!existsSync(socket)) throw new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, op, `host pipe ${p.HostPath} does not exist (emulated by the socket ${socket})`);
    return [{ HostPath: socket, ContainerPath: `${CONTAINER_PIPE_DIR}\\${p.ContainerPipeName}` }];
  });
}
