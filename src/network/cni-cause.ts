/**
 * How a CNI failure reaches the client. A plugin failure caused by the host network service: wincri's own plugins put the HRESULT, its name and the
 * failed HCN operation in the error's `details` as JSON (cni/plugin/hns.ts). Recovering it lets the RPC answer
 * with the code and advice that HRESULT has everywhere else, instead of a generic Internal.
 */
import { PlatformError, type HResultName } from '../platform/hresult.js';
import { HRESULT_ADVICE, PLATFORM_RETRY_ADVICE } from '../platform/hresult-advice.js';
import { RuntimeError, errorMessage } from '../errors.js';
import { CniError } from './invoke.js';

export function platformCause(e: CniError, what: string): PlatformError | undefined {
  if (!e.details || e.details[0] !== '{') return undefined;
  let d: unknown;
  try { d = JSON.parse(e.details); } catch { return undefined; }
  if (!d || typeof d !== 'object') return undefined;
  const { hresult, operation } = d as { hresult?: unknown; operation?: unknown };
  if (typeof hresult !== 'string' || !/^0x[0-9a-f]{8}$/i.test(hresult) || typeof operation !== 'string' || !/^\w{1,64}$/.test(operation)) return undefined;
  return new PlatformError(Number(hresult), operation, `${what}: ${e.message}`);
}

/** A failed CNI operation as the domain error the RPC answers with (`what` says which operation). */
export function asRuntimeError(e: unknown, what: string): Error {
  if (e instanceof RuntimeError) return e;
  if (e instanceof CniError) {
    // "Try again later" stays Unavailable whatever the HRESULT, and says what to do about that HRESULT; others
    // answer as their HRESULT does everywhere.
    const cause = platformCause(e, what);
    if (e.code === 11) {
      const advice = cause && (HRESULT_ADVICE[cause.code as HResultName] ?? PLATFORM_RETRY_ADVICE);
      return new RuntimeError('Unavailable', `${what}: ${e.message}${advice ? ` (${advice})` : ''}`, { cause: e });
    }
    if (cause) return cause;
    return new RuntimeError('Internal', `${what}: ${e.message}`, { cause: e });
  }
  return new RuntimeError('Internal', `${what}: ${errorMessage(e)}`, { cause: e });
}
