/**
 * Node options for wincri's long-lived helper processes (IO keeper, emulator service) and, through the service
 * definitions, the daemon. V8's young generation otherwise grows to 16 MiB semi-spaces (32 MiB and more resident)
 * after any burst of allocation and keeps them; these processes allocate little and short-lived, so 1 MiB
 * semi-spaces cost a few more (sub-millisecond) scavenges and save 10–15 MiB per process. V8's background pool
 * (concurrent marking, sweeping, compilation) defaults to 4 threads, each with its own stack and malloc arena; for
 * heaps of 10–20 MiB one is enough and saves about 3 MiB per process. Neither can be changed from inside a running
 * process (v8.setFlagsFromString has no effect on a configured heap or a started platform).
 */
export const SMALL_HEAP_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1'];
/**
 * Environment for the same processes. glibc gives each thread that allocates (libuv's pool, V8's worker, an
 * image-unpack worker) its own malloc arena, and an arena keeps its fragmented pages after the thread's burst:
 * the daemon held two of them at 1–2 MiB each at rest. With one arena all threads share the main heap, which
 * the idle trim (native-trim.ts) returns to the system; measured at 0 pods after a lifecycle burst, 3 paired
 * runs: about 2.4 MiB less PSS in the daemon and 0.5–1.5 MiB in each helper. The threads that allocate often
 * are few and their small allocations come from glibc's per-thread cache, so the shared lock costs nothing
 * measurable (lifecycle, version, logs and pull bench phases unchanged). Other C libraries ignore the variable.
 * Read by glibc at process start only: the daemon gets it from its service definition, the helpers from the
 * daemon when it spawns them.
 */
export const SMALL_HEAP_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };
