import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { imageToCri } from './convert-image.js';

export async function listImages(req: T.ListImagesRequest__Output, ctx: CriContext): Promise<T.ListImagesResponse> {
  const wanted = req.filter?.image?.image;
  const images = wanted ? [await ctx.images.status(wanted)].filter((x) => x !== undefined) : await ctx.images.list();
  return { images: images.map(imageToCri) };
}
