/**
 * Secrets taken out of a text (a registry's error body, an error message) before it is logged or returned: the
 * credentials a pull was given (password, tokens, the Basic encoding of user:password), the Authorization header
 * it sent, when given (the whole value, its credential after the scheme and, for Basic, the password it encodes:
 * a Bearer token fetched from a token service, or a header relayed to the unpack worker whose endpoints carry no
 * credentials, is only known there), and anything shaped like `password=…`, `token=…` or `authorization=…`.
 */
import type { Credentials } from './auth.js';

const MIN = 3;

export function redact(text: string, creds: Credentials | undefined, header?: string): string {
  let out = text;
  for (const v of [...headerValues(header), ...credentialValues(creds)]) {
    if (v && v.length >= MIN) out = out.split(v).join('<redacted>');
  }
  return out.replace(/(authorization|token|password)=([^&\s]+)/gi, '$1=<redacted>');
}

function credentialValues(c: Credentials | undefined): (string | undefined)[] {
  const basic = c?.password && c.username ? Buffer.from(`${c.username}:${c.password}`).toString('base64') : undefined;
  return [c?.password, c?.identityToken, c?.registryToken, basic];
}

function headerValues(header: string | undefined): string[] {
  if (!header) return [];
  const value = header.trim();
  const m = /^(\S+)\s+(.+)$/.exec(value);
  if (!m) return [value];
  if (m[1]!.toLowerCase() !== 'basic') return [value, m[2]!];
  const plain = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = plain.indexOf(':');
  return [value, m[2]!, plain, colon >= 0 ? plain.slice(colon + 1) : ''];
}
