import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument } from '../../errors.js';

/** Removes the image with all its tags; unknown images succeed (idempotent). */
export async function removeImage(req: T.RemoveImageRequest__Output, ctx: CriContext): Promise<T.RemoveImageResponse> {
  const ref = req.image?.image;
  if (!ref) throw invalidArgument('image.image is required');
  await ctx.images.remove(ref);
  return {};
}
