/**
 * An Authorization header value taken out of a text (a registry's error body, before it becomes an error message
 * or a log line): the whole value, its credential (what follows the scheme) and, for Basic, the password it
 * encodes. redact() (auth.ts) only knows the credentials a pull was given; a Bearer token fetched from a token
 * service, or a header relayed to the unpack worker (whose endpoints carry no credentials), is only known here.
 */
const MIN = 3;

export function redactAuthorization(s: string, header: string | undefined): string {
  if (!header) return s;
  const m = /^(\S+)\s+(.+)$/.exec(header.trim());
  const values = [header.trim()];
  if (m) {
    values.push(m[2]!);
    if (m[1]!.toLowerCase() === 'basic') {
      const plain = Buffer.from(m[2]!, 'base64').toString('utf8');
      const colon = plain.indexOf(':');
      values.push(plain, colon >= 0 ? plain.slice(colon + 1) : '');
    }
  }
  let out = s;
  for (const v of values) if (v.length >= MIN) out = out.split(v).join('<redacted>');
  return out;
}
