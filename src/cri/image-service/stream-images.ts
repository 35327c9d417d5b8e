import type * as grpc from '@grpc/grpc-js';
import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { listImages } from './list-images.js';

export async function streamImages(req: T.StreamImagesRequest__Output, ctx: CriContext, call: grpc.ServerWritableStream<T.StreamImagesRequest__Output, T.StreamImagesResponse>): Promise<void> {
  const { images } = await listImages({ filter: req.filter } as T.ListImagesRequest__Output, ctx);
  const all = images ?? [];
  for (let i = 0; i < all.length; i += 1000) call.write({ images: all.slice(i, i + 1000) });
}
