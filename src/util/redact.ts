/**
 * Keeps credentials out of log lines. Fields whose name says they hold a secret (password, auth, token,
 * identity/registry tokens, Authorization headers, key material) are replaced by "[redacted]" at any depth;
 * free text (messages, error messages) has `Authorization:`/`Bearer`/`Basic` credentials, `user:password@` in
 * URLs, `password=`/`token=` pairs and PEM private keys masked.
 */
export const REDACTED = '[redacted]';

/** Field names (lower case, without `_`/`-`) that hold secrets. */
const SECRET_KEYS = new Set([
  'password', 'passwd', 'auth', 'authorization', 'proxyauthorization', 'token', 'accesstoken', 'refreshtoken',
  'identitytoken', 'registrytoken', 'bearer', 'secret', 'clientsecret', 'key', 'privatekey', 'keydata', 'credentials',
]);

export function isSecretKey(name: string): boolean {
  return SECRET_KEYS.has(name.toLowerCase().replace(/[_-]/g, ''));
}

const TEXT_RULES: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, `${REDACTED} private key`],
  [/\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)(?:(?:bearer|basic)\s+)?[^\s"',}]+/gi, `$1$2${REDACTED}`],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${REDACTED}@`],
  [/\b(password|passwd|identitytoken|identity_token|registrytoken|registry_token|access_token|refresh_token|token|secret)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,}&]+)/gi, `$1$2${REDACTED}`],
];

/**
 * A word every rule above needs in its match (PRIVATE KEY, authorization, bearer/basic, the `@` of userinfo, the
 * password/token/secret names): text without any of them — IDs, paths, most messages — skips the five scans.
 */
const MAY_HOLD_SECRET = /private key|authorization|bearer|basic|@|passw|token|secret/i;

export function redactText(s: string): string {
  if (!MAY_HOLD_SECRET.test(s)) return s;
  let out = s;
  for (const [re, rep] of TEXT_RULES) out = out.replace(re, rep);
  return out;
}

function redactValue(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return redactText(v);
  if (v instanceof Error) return redactText(v.message);
  if (v === null || typeof v !== 'object' || depth > 6) return v;
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1));
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `<${v.length} bytes>`;
  return redactFields(v as Record<string, unknown>, depth + 1);
}

/** A copy of `fields` without undefined values and with every secret masked. */
export function redactFields(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = isSecretKey(k) && v !== '' && v !== null && typeof v !== 'boolean' ? REDACTED : redactValue(v, depth);
  }
  return out;
}
