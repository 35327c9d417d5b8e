/** The HPACK static table (RFC 7541 Appendix A), index 1..61; a wire fact kept as data. */
const ENTRIES = `
:authority|
:method|GET
:method|POST
:path|/
:path|/index.html
:scheme|http
:scheme|https
:status|200
:status|204
:status|206
:status|304
:status|400
:status|404
:status|500
accept-charset|
accept-encoding|gzip, deflate
accept-language|
accept-ranges|
accept|
access-control-allow-origin|
age|
allow|
authorization|
cache-control|
content-disposition|
content-encoding|
content-language|
content-length|
content-location|
content-range|
content-type|
cookie|
date|
etag|
expect|
expires|
from|
host|
if-match|
if-modified-since|
if-none-match|
if-range|
if-unmodified-since|
last-modified|
link|
location|
max-forwards|
proxy-authenticate|
proxy-authorization|
range|
referer|
refresh|
retry-after|
server|
set-cookie|
strict-transport-security|
transfer-encoding|
user-agent|
vary|
via|
www-authenticate|`;

export type Field = readonly [name: string, value: string];

/** STATIC[i - 1] is static index i. */
export const STATIC: readonly Field[] = ENTRIES.trim().split('\n').map((l) => {
  const bar = l.indexOf('|');
  return [l.slice(0, bar), l.slice(bar + 1)] as const;
});

const byField = new Map<string, number>();
const byName = new Map<string, number>();
STATIC.forEach(([n, v], i) => {
  if (!byField.has(`${n}\0${v}`)) byField.set(`${n}\0${v}`, i + 1);
  if (!byName.has(n)) byName.set(n, i + 1);
});

/** Static index of an exact name/value match, or 0. */
export function staticFieldIndex(name: string, value: string): number { return byField.get(`${name}\0${value}`) ?? 0; }
/** Static index of the first entry with this name, or 0. */
export function staticNameIndex(name: string): number { return byName.get(name) ?? 0; }
