import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';

function fsUsage(u: { mountpoint: string; usedBytes: number; inodesUsed: number; timestampNs: bigint }): T.FilesystemUsage {
  return {
    timestamp: u.timestampNs.toString(), fsId: { mountpoint: u.mountpoint },
    usedBytes: { value: String(u.usedBytes) }, inodesUsed: { value: String(u.inodesUsed) },
  };
}

/** kubelet validates the image service with this call at start and reads element [0] every 10 s. */
export async function imageFsInfo(_req: T.ImageFsInfoRequest__Output, ctx: CriContext): Promise<T.ImageFsInfoResponse> {
  const images = await ctx.images.fsInfo();
  const containers = await ctx.runtime.containerFsInfo();
  return { imageFilesystems: [fsUsage(images)], containerFilesystems: [fsUsage(containers)] };
}
