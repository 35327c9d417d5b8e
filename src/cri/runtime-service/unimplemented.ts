import { unimplemented } from '../../errors.js';

/** RPCs whose feature has not landed yet answer UNIMPLEMENTED with what is missing. */
export function notYet(what: string) {
  return async (): Promise<never> => { throw unimplemented(what); };
}

export const exec = notYet('Exec: interactive exec streaming (SPDY/WebSocket server) is not implemented yet; use ExecSync (crictl exec -s)');
export const attach = notYet('Attach: the attach streaming server is not implemented yet');
export const portForward = notYet('PortForward: the port-forward streaming server is not implemented yet');
export const checkpointContainer = notYet('CheckpointContainer: container checkpointing is not supported by HCS process-isolated containers in wincri');
export const updatePodSandboxResources = notYet('UpdatePodSandboxResources: pod-level resize is not supported on Windows (kubelet never sends it there)');
