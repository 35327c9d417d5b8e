/**
 * Docker image references as kubelet and crictl write them, normalised the way containerd's CRI does
 * (distribution/reference ParseNormalizedNamed + TagNameOnly):
 *   busybox                      → docker.io/library/busybox:latest
 *   user/app:1                   → docker.io/user/app:1
 *   registry.local:5000/app      → registry.local:5000/app:latest
 *   app@sha256:<64 hex>          → docker.io/library/app@sha256:…   (no default tag with a digest)
 *   app:1@sha256:<64 hex>        → docker.io/library/app:1@sha256:…
 * Image IDs (`sha256:<64 hex>` or 64 bare hex) are not references; see parseImageId.
 */
import { invalidArgument } from '../errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_MAX = 255;

export interface ImageReference {
  /** Registry host[:port], e.g. docker.io, localhost:5000, [::1]:5000. */
  domain: string;
  /** Repository path inside the registry, e.g. library/busybox. */
  path: string;
  tag?: string;
  /** `algorithm:hex`, e.g. sha256:… */
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6 = /^\[[a-fA-F0-9:]+\]$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HEX64 = /^[a-f0-9]{64}$/;

/** Thrown for references that cannot be parsed; a RuntimeError of kind InvalidArgument. */
function bad(ref: string, why: string) {
  return invalidArgument(`invalid image reference "${ref}": ${why}`);
}

function validDomain(d: string): boolean {
  let host = d;
  const m = /^(.*?)(?::([0-9]+))?$/.exec(d);
  if (d.startsWith('[')) {
    const close = d.indexOf(']');
    if (close === -1) return false;
    host = d.slice(0, close + 1);
    const rest = d.slice(close + 1);
    if (rest && !/^:[0-9]+$/.test(rest)) return false;
    return IPV6.test(host);
  }
  if (!m) return false;
  host = m[1]!;
  return host.split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

/** Checks a digest string `alg:hex`; sha256 needs 64 lower-case hex, sha512 128. */
export function validateDigest(d: string): string | undefined {
  if (!DIGEST.test(d)) return 'digest must look like sha256:<64 hex characters>';
  const [alg, hex] = d.split(':') as [string, string];
  const want = alg === 'sha256' ? 64 : alg === 'sha384' ? 96 : alg === 'sha512' ? 128 : 0;
  if (!want) return `unsupported digest algorithm "${alg}"`;
  if (hex.length !== want) return `${alg} digest must have ${want} hex characters, got ${hex.length}`;
  if (!/^[a-f0-9]+$/.test(hex)) return 'digest hex must be lower case';
  return undefined;
}

/**
 * Parses and normalises a reference. Throws an InvalidArgument RuntimeError with the reason when it is not a
 * valid reference. The default tag is NOT added here (see withDefaultTag / normalizeReference).
 */
export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  if (ref === '') throw bad(input, 'it is empty');
  if (ref !== input) throw bad(input, 'it has leading or trailing white space');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const why = validateDigest(digest);
    if (why) throw bad(input, why);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(input, `tag "${tag}" is invalid (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')`);
  }
  if (rest === '') throw bad(input, 'repository name is empty');
  let domain: string;
  let path: string;
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  if (slash === -1 || (!first.includes('.') && !first.includes(':') && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    path = rest;
  } else {
    domain = first;
    path = rest.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (!validDomain(domain)) throw bad(input, `registry "${domain}" is not a valid host[:port]`);
  if (path === '') throw bad(input, 'repository path is empty');
  if (path !== path.toLowerCase()) throw bad(input, 'repository name must be lowercase');
  for (const c of path.split('/')) {
    if (!COMPONENT.test(c)) {
      throw bad(input, `path component "${c}" is invalid (lower-case letters and digits, separated by '.', '_', '__' or '-')`);
    }
  }
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  if (slash === -1 && HEX64.test(rest) && !tag && !digest) {
    throw bad(input, 'a 64-character hexadecimal string is an image ID, not a repository name');
  }
  if (`${domain}/${path}`.length > NAME_TOTAL_MAX) throw bad(input, `repository name is longer than ${NAME_TOTAL_MAX} characters`);
  const out: ImageReference = { domain, path };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** `domain/path` */
export function repositoryOf(r: ImageReference): string {
  return `${r.domain}/${r.path}`;
}

/** Adds the `latest` tag when the reference has neither tag nor digest. */
export function withDefaultTag(r: ImageReference): ImageReference {
  return r.tag === undefined && r.digest === undefined ? { ...r, tag: DEFAULT_TAG } : r;
}

export function formatReference(r: ImageReference): string {
  return `${repositoryOf(r)}${r.tag !== undefined ? ':' + r.tag : ''}${r.digest !== undefined ? '@' + r.digest : ''}`;
}

/** Fully normalised string form with the default tag: `busybox` → `docker.io/library/busybox:latest`. */
export function normalizeReference(input: string): string {
  return formatReference(withDefaultTag(parseReference(input)));
}

/** The short form people type: docker.io/library/busybox:latest → busybox:latest. */
export function familiarName(r: ImageReference): string {
  let name = repositoryOf(r);
  if (r.domain === DEFAULT_DOMAIN) {
    name = r.path.startsWith(OFFICIAL_REPO_PREFIX) && r.path.split('/').length === 2 ? r.path.slice(OFFICIAL_REPO_PREFIX.length) : r.path;
  }
  return `${name}${r.tag !== undefined ? ':' + r.tag : ''}${r.digest !== undefined ? '@' + r.digest : ''}`;
}

/** `repo:tag` string for a reference that has a tag, else undefined. */
export function tagString(r: ImageReference): string | undefined {
  return r.tag === undefined ? undefined : `${repositoryOf(r)}:${r.tag}`;
}

/** `repo@digest` string for a reference that has a digest, else undefined. */
export function digestString(r: ImageReference): string | undefined {
  return r.digest === undefined ? undefined : `${repositoryOf(r)}@${r.digest}`;
}

/** `sha256:<64 hex>` or 64 bare hex → `sha256:<hex>`; anything else → undefined. */
export function parseImageId(s: string): string | undefined {
  const m = /^(?:sha256:)?([a-f0-9]{64})$/.exec(s);
  return m ? `sha256:${m[1]}` : undefined;
}

/** Returns the parse error message for a reference, or undefined when valid. */
export function referenceProblem(s: string): string | undefined {
  try { parseReference(s); return undefined; } catch (e) { return (e as Error).message; }
}
