import type * as T from '../generated/index.js';
import type { ImageRecord } from '../../images/service.js';

export function imageToCri(img: ImageRecord): T.Image {
  return {
    id: img.id,
    repoTags: img.repoTags,
    repoDigests: img.repoDigests,
    size: String(img.size),
    uid: img.uid !== undefined ? { value: String(img.uid) } : null,
    username: img.username ?? '',
    spec: { image: img.id, annotations: {} },
    pinned: !!img.pinned,
  };
}
