/**
 * What a pull reports to whoever watches (the daemon's metrics). A plain callback interface, so the image
 * service needs no metrics library.
 */
export interface PullObserver {
  /** A new pull started (not a join). */
  started?(): void;
  /** A request joined a pull of the same image already in progress. */
  joined?(): void;
  /** Compressed bytes received from a registry. */
  bytes?(n: number): void;
  /** A pull ended; `failure` is the error kind (NotFound, Unavailable, …) when it failed. */
  finished?(seconds: number, failure?: string): void;
}
