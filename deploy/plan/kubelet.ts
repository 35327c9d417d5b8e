/**
 * kubelet flags for a node that uses wincri. kubelet's flag parser keeps the last value of a repeated flag, so
 * ours go last; any earlier runtime-endpoint flags are removed anyway so the command line says one thing.
 */
export const ENDPOINT_FLAGS = ['--container-runtime-endpoint', '--image-service-endpoint'] as const;

export function endpointFlags(endpoint: string): string[] {
  return ENDPOINT_FLAGS.map((f) => `${f}=${endpoint}`);
}

const FLAG_RE = new RegExp(`(^|\\s)(?:${ENDPOINT_FLAGS.join('|')})(?:=|\\s+)(?:"[^"]*"|'[^']*'|\\S+)`, 'g');

/** Removes the runtime/image endpoint flags (`--f=v`, `--f v`, quoted values) from a command line. */
export function stripEndpointFlags(commandLine: string): string {
  return commandLine.replace(FLAG_RE, '').replace(/\s{2,}/g, ' ').trim();
}

/** A kubelet service command line (registry ImagePath) pointed at `endpoint`, or restored when undefined. */
export function kubeletCommandLine(imagePath: string, endpoint?: string): string {
  const base = stripEndpointFlags(imagePath);
  return endpoint ? `${base} ${endpointFlags(endpoint).join(' ')}` : base;
}

/** Start-EKSBootstrap.ps1 -KubeletExtraArgs: the operator's flags, then ours. */
export function eksKubeletExtraArgs(user: string, endpoint: string): string {
  return [stripEndpointFlags(user), ...endpointFlags(endpoint)].filter((s) => s !== '').join(' ');
}
