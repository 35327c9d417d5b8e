/** wincri CNI plugin executable: see ./run.ts. Launchers: cni/bin/{wincri-cni,nat,overlay,l2bridge}[.cmd]. */
import { readFileSync, writeSync } from 'node:fs';
import { CniError, CNI_ERR } from './errors.js';
import { run } from './run.js';
import { installLastResort } from '../../src/util/last-resort.js';

// stdout carries the CNI result: the policy writes to stderr only.
installLastResort('cni');

function readStdin(): string {
  try { return readFileSync(0, 'utf8'); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EOF') return '';
    throw new CniError(CNI_ERR.IoFailure, 'cannot read stdin', (e as Error).message);
  }
}

const r = await run(process.env, readStdin);
if (r.stdout) writeSync(1, r.stdout + '\n');
process.exit(r.code);
