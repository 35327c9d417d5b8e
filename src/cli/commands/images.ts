/** `wincri images ls | pull | import | rm | prune` against the running daemon (CRI ImageService + admin). */
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { PullImageRequest, PullImageResponse, PullWatchMessage } from '../../daemon/admin.js';
import { pullRenderer } from '../pull-progress.js';
import { EXIT, CONFIG_FLAGS, CONFIG_FLAGS_HELP, UsageError, bool, configFrom, parseArgs, str, type Flags } from '../args.js';
import { withDaemon, type DaemonClient } from '../client.js';
import { json, shortId, size, table } from '../output.js';
import type { Command } from '../command.js';

const HELP = `Usage: wincri images ls [-q] [-o table|json]
       wincri images pull [--creds USER:PASSWORD] REF
       wincri images import FILE
       wincri images rm REF...
       wincri images prune [--dry-run]

ls      images in the daemon's store: ID, names, size (-q: IDs only)
pull    fetches REF (busybox, registry:5000/app:1, app@sha256:…) through the daemon, using the registries
        configuration (mirrors, TLS, insecure, auth); prints the image ID, its names and the transfer rate;
        progress goes to stderr: a live bar per layer on a terminal, a line per finished layer otherwise
import  loads an OCI image-layout tar (skopeo copy … oci-archive:FILE) or a "docker save" tar; prints each image
rm      removes images by name, ID or unique ID prefix (with all their names); fails for unknown ones
prune   removes every image no container (in any state) uses; --dry-run only lists them
${CONFIG_FLAGS_HELP}
  --creds U:P        registry credentials for this pull (else the configured ones, else anonymous)
Exit codes: 0 ok, 1 failure (daemon unreachable, unknown image, image in use, pull failed), 2 usage error.`;

export interface ImageRow { id: string; repoTags: string[]; repoDigests: string[]; size: string; pinned?: boolean }
export interface ContainerRow { id: string; imageId?: string; imageRef?: string }

/** Images no container uses (by ID, falling back to the container's image ref); pinned images are kept. */
export function pruneCandidates(images: ImageRow[], containers: ContainerRow[]): ImageRow[] {
  const used = new Set<string>();
  for (const c of containers) for (const r of [c.imageId, c.imageRef]) if (r) used.add(r);
  return images.filter((i) => !i.pinned && !used.has(i.id) && !i.repoDigests.some((d) => used.has(d)));
}

const names = (i: ImageRow): string => [...i.repoTags, ...(i.repoTags.length ? [] : i.repoDigests)].join(',') || '<none>';

async function ls(c: DaemonClient, flags: Flags): Promise<number> {
  const { images } = await c.call<{ images: ImageRow[] }>('image', 'ListImages', {});
  if (str(flags, 'output') === 'json') process.stdout.write(json(images));
  else if (bool(flags, 'quiet')) for (const i of images) console.log(i.id);
  else process.stdout.write(table(['IMAGE ID', 'NAMES', 'SIZE'], images.map((i) => [shortId(i.id), names(i), size(i.size)])));
  return EXIT.OK;
}

async function pull(c: DaemonClient, flags: Flags, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError('images pull needs exactly one REF');
  const raw = str(flags, 'creds');
  let creds: { username: string; password: string } | undefined;
  if (raw !== undefined) {
    const i = raw.indexOf(':');
    if (i <= 0) throw new UsageError('--creds must be USER:PASSWORD');
    creds = { username: raw.slice(0, i), password: raw.slice(i + 1) };
  }
  const res = await pullWatched(c, { ref: args[0]!, ...(creds ?? {}) });
  console.log(`${res.id}\t${[...res.repoTags, ...res.repoDigests].join(',') || '<none>'}`);
  console.error(`pulled ${(res.bytes / 1e6).toFixed(1)} MB in ${res.seconds.toFixed(2)} s (${(res.bytes / 1e6 / Math.max(res.seconds, 1e-3)).toFixed(1)} MB/s)`);
  return EXIT.OK;
}

async function importArchive(c: DaemonClient, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError('images import needs exactly one FILE');
  const res = await c.call<{ images: { id: string; names: string[] }[] }>('admin', 'ImportImage', { path: resolve(args[0]!) }, 30 * 60_000);
  for (const img of res.images) console.log(`${img.id}\t${img.names.join(',') || '<none>'}`);
  return EXIT.OK;
}

async function rm(c: DaemonClient, args: string[]): Promise<number> {
  if (args.length === 0) throw new UsageError('images rm needs at least one REF');
  let code: number = EXIT.OK;
  for (const ref of args) {
    const st = await c.call<{ image: ImageRow | null }>('image', 'ImageStatus', { image: { image: ref } });
    if (!st.image) { console.error(`wincri: no such image: ${ref}`); code = EXIT.FAIL; continue; }
    try {
      await c.call('image', 'RemoveImage', { image: { image: st.image.id } });
      console.log(`removed ${st.image.id} (${names(st.image)})`);
    } catch (e) {
      console.error(`wincri: ${ref}: ${(e as Error).message}`);
      code = EXIT.FAIL;
    }
  }
  return code;
}

async function prune(c: DaemonClient, flags: Flags): Promise<number> {
  const [{ images }, { containers }] = await Promise.all([
    c.call<{ images: ImageRow[] }>('image', 'ListImages', {}),
    c.call<{ containers: ContainerRow[] }>('runtime', 'ListContainers', {}),
  ]);
  const doomed = pruneCandidates(images, containers);
  let code: number = EXIT.OK;
  for (const i of doomed) {
    if (bool(flags, 'dry-run')) { console.log(`would remove ${i.id} (${names(i)})`); continue; }
    try {
      await c.call('image', 'RemoveImage', { image: { image: i.id } });
      console.log(`removed ${i.id} (${names(i)})`);
    } catch (e) {
      console.error(`wincri: ${i.id}: ${(e as Error).message}`);
      code = EXIT.FAIL;
    }
  }
  if (doomed.length === 0) console.error('nothing to prune: every image is used by a container');
  return code;
}

export const imagesCommand: Command = {
  name: 'images',
  help: HELP,
  async run(argv) {
    const [sub, ...rest] = argv;
    const { flags, args, help } = parseArgs(rest, { ...CONFIG_FLAGS, creds: 'string', quiet: 'boolean', output: 'string', 'dry-run': 'boolean' }, { q: 'quiet', o: 'output' });
    if (help || sub === undefined || sub === '--help' || sub === '-h') { console.log(HELP); return sub === undefined ? EXIT.USAGE : EXIT.OK; }
    const out = str(flags, 'output');
    if (out !== undefined && out !== 'json' && out !== 'table') throw new UsageError('-o must be table or json');
    const endpoint = configFrom(flags).endpoint;
    return withDaemon(endpoint, async (c) => {
      switch (sub) {
        case 'ls': case 'list': return ls(c, flags);
        case 'pull': return pull(c, flags, args);
        case 'import': return importArchive(c, args);
        case 'rm': case 'remove': return rm(c, args);
        case 'prune': return prune(c, flags);
        default: throw new UsageError(`unknown images command "${sub}"`);
      }
    });
  },
};

/** PullImageWatch with live progress on stderr; a daemon without it gets the plain PullImage. */
async function pullWatched(c: DaemonClient, req: PullImageRequest): Promise<PullImageResponse> {
  const render = pullRenderer(process.stderr);
  try {
    return await new Promise<PullImageResponse>((resolve, reject) => {
      let result: PullImageResponse | undefined;
      const stream = c.admin.PullImageWatch(req, { deadline: Date.now() + 6 * 3600_000 });
      stream.on('data', (m: PullWatchMessage) => { if ('progress' in m) render.update(m.progress); else result = m.result; });
      stream.on('error', reject);
      stream.on('end', () => (result ? resolve(result) : reject(new Error('the daemon ended the pull without a result'))));
    });
  } catch (e) {
    if ((e as grpc.ServiceError).code !== grpc.status.UNIMPLEMENTED) throw c.explain(e as grpc.ServiceError);
    return c.call<PullImageResponse>('admin', 'PullImage', req, 6 * 3600_000);
  }
}
