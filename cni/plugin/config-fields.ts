/** Readers of the plugin's network configuration fields (config.ts): each refuses a wrong type naming the field. */
import { CniError, CNI_ERR } from './errors.js';
import { parseCidr, parseIp } from './ip.js';

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const invalid = (m: string) => new CniError(CNI_ERR.InvalidNetworkConfig, m);

export function str(o: Record<string, unknown>, k: string, where = ''): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${where}${k} must be a string`);
  return v;
}
export function strList(o: Record<string, unknown>, k: string, where = ''): string[] {
  const v = o[k];
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(`${where}${k} must be a string or a list of strings`);
  return v as string[];
}
export function num(o: Record<string, unknown>, k: string, dflt: number, min: number, max: number): number {
  const v = o[k];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(`${k} must be an integer in [${min}, ${max}]`);
  return v;
}
export function routesOf(v: unknown, where: string): { dst: string; gw?: string }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${where} must be a list`);
  return v.map((r, i) => {
    if (!isObj(r) || typeof r.dst !== 'string') throw invalid(`${where}[${i}].dst is required`);
    parseCidr(r.dst, `${where}[${i}].dst`);
    if (r.gw !== undefined) parseIp(r.gw, `${where}[${i}].gw`);
    return r.gw === undefined ? { dst: r.dst } : { dst: r.dst, gw: String(r.gw) };
  });
}
