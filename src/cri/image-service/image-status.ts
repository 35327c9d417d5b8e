import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';
import { imageToCri } from './convert-image.js';

/** An unknown image is not an error: the response simply has no image. */
export async function imageStatus(req: T.ImageStatusRequest__Output, ctx: CriContext): Promise<T.ImageStatusResponse> {
  const ref = req.image?.image;
  if (!ref) throw invalidArgument('image.image is required');
  const img = await ctx.images.status(ref);
  const info: Record<string, string> = {};
  if (img && req.verbose) info.info = JSON.stringify({ id: img.id, repoTags: img.repoTags, repoDigests: img.repoDigests, size: img.size });
  return { image: img ? imageToCri(img) : null, info };
}
