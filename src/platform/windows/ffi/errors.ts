/**
 * HRESULT → PlatformError, carrying the service's JSON error document:
 *  - HCS: the operation's result document on failure is a ResultError {Error, ErrorMessage, ErrorEvents[],
 *    Attribution[]};
 *  - HCN: the ErrorRecord out-string {Success:false, Error:"<message>", ErrorCode:<unsigned HRESULT>}. As hcsshim
 *    (hcn/hcnerrors.go checkForErrors), a call fails when the HRESULT is negative OR the record is non-empty.
 */
import { HRESULT, PlatformError } from '../../hresult.js';

export const failed = (hr: number): boolean => (hr | 0) < 0;

function parse(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return undefined;
  try { return JSON.parse(text); } catch { return text; }
}

interface ResultError { Error?: number; ErrorMessage?: string; ErrorEvents?: { Message?: string }[] }

/** An HCS failure: hr from the call or the operation, doc = the operation's result document (if any). */
export function hcsError(hr: number, operation: string, resultDocument?: string): PlatformError {
  const doc = parse(resultDocument);
  let detail: string | undefined;
  if (doc && typeof doc === 'object') {
    const r = doc as ResultError;
    detail = r.ErrorMessage || r.ErrorEvents?.find((e) => e.Message)?.Message;
  } else if (typeof doc === 'string') detail = doc;
  return new PlatformError(hr, operation, detail, doc);
}

interface HcnRecord { Success?: boolean; Error?: string; ErrorCode?: number }

/** Throws the HCN failure if the call failed; returns normally otherwise. */
export function checkHcn(hr: number, operation: string, errorRecord: string | undefined): void {
  const doc = parse(errorRecord);
  if (!failed(hr) && doc === undefined) return;
  let code = hr;
  let detail: string | undefined;
  if (doc && typeof doc === 'object') {
    const r = doc as HcnRecord;
    detail = r.Error;
    if (!failed(code)) code = typeof r.ErrorCode === 'number' && r.ErrorCode !== 0 ? r.ErrorCode : HRESULT.E_FAIL;
  } else if (typeof doc === 'string') {
    detail = doc;
    if (!failed(code)) code = HRESULT.E_FAIL;
  }
  throw new PlatformError(code, operation, detail, doc);
}
