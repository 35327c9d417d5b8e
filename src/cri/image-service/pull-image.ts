import { notYet } from '../runtime-service/unimplemented.js';

export const pullImage = notYet('PullImage: pulling from registries is not implemented yet; load images with `wincri images import FILE` (OCI archive or docker save tar)');
