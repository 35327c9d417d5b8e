import { unimplemented } from '../../errors.js';

/** RPCs whose feature has not landed yet answer UNIMPLEMENTED with what is missing. */
export function notYet(what: string) {
  return async (): Promise<never> => { throw unimplemented(what); };
}

export const checkpointContainer = notYet('CheckpointContainer: container checkpointing is not supported by HCS process-isolated containers in wincri');
export const updatePodSandboxResources = notYet('UpdatePodSandboxResources: pod-level resize is not supported on Windows (kubelet never sends it there)');
