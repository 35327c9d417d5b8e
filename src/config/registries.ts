/** The `registries:` mapping: per registry host, mirrors, TLS, and default credentials (free-form host keys, fixed fields). */
import { type Problems, isMapping, describe } from './check.js';

export interface RegistryHostConfig {
  /** Mirror endpoints (http(s)://host[:port][/path]) tried in order before the host itself. */
  mirrors?: string[];
  /** Allow plain HTTP and skip TLS verification for this host only. */
  insecure?: boolean;
  /** PEM CA bundle trusted for this host (in addition to the system roots). */
  ca?: string;
  /** PEM client certificate and key for TLS client authentication. */
  cert?: string;
  key?: string;
  /** Credentials used when the pull request brings none. */
  auth?: { username: string; password: string };
}

const HOST_RE = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:[0-9]+)?$/;
const MIRROR_RE = /^https?:\/\/[^/\s]+(\/\S*)?$/;

/** Validates the free-form `registries:` mapping (host keys are the operator's; the fields are fixed). */
export function parseRegistries(v: unknown, p: Problems): Record<string, RegistryHostConfig> {
  const out: Record<string, RegistryHostConfig> = {};
  if (!isMapping(v)) { p.add(['registries'], `expected a mapping of host[:port] to settings, got ${describe(v)}`); return out; }
  for (const [host, raw] of Object.entries(v)) {
    const at = ['registries', host];
    if (!HOST_RE.test(host)) { p.add(at, 'the key must be a registry host[:port]'); continue; }
    if (!isMapping(raw)) { p.add(at, `expected a mapping, got ${describe(raw)}`); continue; }
    const h: RegistryHostConfig = {};
    for (const [k, x] of Object.entries(raw)) {
      switch (k) {
        case 'mirrors':
          if (!Array.isArray(x)) { p.add([...at, k], `expected a list of strings, got ${describe(x)}`); break; }
          x.forEach((m, i) => {
            if (typeof m !== 'string') p.add([...at, k, i], `expected a string, got ${describe(m)}`);
            else if (!MIRROR_RE.test(m)) p.add([...at, k, i], `expected an http(s)://host[:port][/path] URL, got ${JSON.stringify(m)}`);
          });
          h.mirrors = x as string[];
          break;
        case 'insecure':
          if (typeof x !== 'boolean') p.add([...at, k], `expected a boolean, got ${describe(x)}`);
          else h.insecure = x;
          break;
        case 'ca': case 'cert': case 'key':
          if (typeof x !== 'string' || x === '') p.add([...at, k], `expected a file path, got ${describe(x)}`);
          else h[k] = x;
          break;
        case 'auth': {
          if (!isMapping(x)) { p.add([...at, k], `expected a mapping { username, password }, got ${describe(x)}`); break; }
          for (const f of Object.keys(x)) if (f !== 'username' && f !== 'password') p.add([...at, k, f], 'unknown key');
          for (const f of ['username', 'password'] as const) if (typeof x[f] !== 'string') p.add([...at, k, f], x[f] === undefined ? 'missing (expected a string)' : `expected a string, got ${describe(x[f])}`);
          if (typeof x.username === 'string' && typeof x.password === 'string') h.auth = { username: x.username, password: x.password };
          break;
        }
        default:
          p.add([...at, k], 'unknown key');
      }
    }
    if ((raw.cert === undefined) !== (raw.key === undefined)) p.add(at, 'cert and key go together');
    out[host] = h;
  }
  return out;
}
