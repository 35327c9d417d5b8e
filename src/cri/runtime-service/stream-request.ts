import { invalidArgument } from '../../errors.js';

export interface StreamFlags { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

/** Exec and Attach requests, as kubelet's streaming server validates them (reference/cri.md §5.1). */
export function validateStreams(req: StreamFlags): StreamFlags {
  if (req.tty && req.stderr) throw invalidArgument('tty and stderr cannot both be true: a terminal merges stderr into stdout');
  if (!req.stdin && !req.stdout && !req.stderr) throw invalidArgument('one of stdin, stdout, or stderr must be set');
  return { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, tty: req.tty };
}
