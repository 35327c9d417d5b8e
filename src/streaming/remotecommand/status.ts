/**
 * What the error stream / error channel says at the end of a remote command. v4+: one metav1.Status JSON object
 * (client-go reads the exit code from details.causes[reason=ExitCode]); v1–v3: the failure message as plain text
 * and nothing on success.
 */
export type CommandOutcome =
  | { kind: 'success' }
  | { kind: 'exit'; exitCode: number }
  | { kind: 'error'; message: string };

export function statusJson(o: CommandOutcome): string {
  switch (o.kind) {
    case 'success':
      return JSON.stringify({ metadata: {}, status: 'Success' }) + '\n';
    case 'exit':
      return JSON.stringify({
        metadata: {}, status: 'Failure', message: exitMessage(o.exitCode), reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: String(o.exitCode) }] },
      }) + '\n';
    case 'error':
      return JSON.stringify({
        metadata: {}, status: 'Failure', message: `Internal error occurred: ${o.message}`, reason: 'InternalError',
        details: { causes: [{ message: o.message }] }, code: 500,
      }) + '\n';
  }
}

/** v1–v3: text for failures, undefined for success (nothing is written). */
export function statusText(o: CommandOutcome): string | undefined {
  switch (o.kind) {
    case 'success': return undefined;
    case 'exit': return exitMessage(o.exitCode);
    case 'error': return `Internal error occurred: ${o.message}`;
  }
}

export function statusFor(protocolVersion: number, o: CommandOutcome): string | undefined {
  return protocolVersion >= 4 ? statusJson(o) : statusText(o);
}

function exitMessage(code: number): string {
  return `command terminated with non-zero exit code: exit status ${code}`;
}
