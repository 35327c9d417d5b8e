import type * as grpc from '@grpc/grpc-js';
import type * as T from '../generated/index.js';
import type { CriContext } from '../context.js';
import { invalidArgument, RuntimeError } from '../../errors.js';
import { credentialsFromCri, type Isolation } from '../../images/service.js';

/** The configured isolation of a handler (Hyper-V may run images of older Windows builds); unknown → process. */
function isolationOf(ctx: CriContext, handler: string | undefined): Isolation {
  return handler && ctx.config.runtimeHandlers[handler]?.isolation === 'hyperv' ? 'hyperv' : 'process';
}

/**
 * Pulls the image with the request's credentials and returns its ID, the reference kubelet then passes to
 * ImageStatus/CreateContainer. A client that cancels or whose deadline passes stops the pull (when no other
 * caller waits for the same pull); nothing partial stays behind.
 */
export async function pullImage(req: T.PullImageRequest__Output, ctx: CriContext, call?: grpc.ServerUnaryCall<T.PullImageRequest__Output, T.PullImageResponse>): Promise<T.PullImageResponse> {
  const ref = req.image?.image;
  if (!ref) throw invalidArgument('image.image is required');
  const auth = credentialsFromCri(req.auth);
  const ac = new AbortController();
  const onCancel = () => {
    const dl = call?.getDeadline();
    const passed = dl !== undefined && dl !== Infinity && (dl instanceof Date ? dl.getTime() : Number(dl)) <= Date.now() + 5;
    ac.abort(new RuntimeError(passed ? 'DeadlineExceeded' : 'Cancelled', passed ? `PullImage ${ref}: the deadline passed` : `PullImage ${ref}: the client cancelled`));
  };
  call?.on('cancelled', onCancel);
  try {
    const res = await ctx.images.pull(ref, {
      auth, serverAddress: req.auth?.serverAddress || undefined, signal: ac.signal,
      isolation: isolationOf(ctx, req.image?.runtimeHandler || req.sandboxConfig?.annotations?.['io.kubernetes.cri.runtime-handler']),
    });
    return { imageRef: res.image.id };
  } finally {
    call?.off('cancelled', onCancel);
  }
}
