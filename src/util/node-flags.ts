/**
 * Node options for wincri's long-lived helper processes (IO keeper, emulator service) and, through the service
 * definitions, the daemon. V8's young generation otherwise grows to 16 MiB semi-spaces (32 MiB and more resident)
 * after any burst of allocation and keeps them; these processes allocate little and short-lived, so 1 MiB
 * semi-spaces cost a few more (sub-millisecond) scavenges and save 10–15 MiB per process. V8's background pool
 * (concurrent marking, sweeping, compilation) defaults to 4 threads, each with its own stack and malloc arena; for
 * heaps of 10–20 MiB one is enough and saves about 3 MiB per process. Neither can be changed from inside a running
 * process (v8.setFlagsFromString has no effect on a configured heap or a started platform). V8's memory reducer
 * (a full GC 8 s after a burst, then another) is off: each process already compacts once it goes quiet for 1–2 s
 * (idle-gc.ts), so the reducer's collections only repeated that work, and landed in what is otherwise an idle
 * spell (the bench's idle-CPU window at 0 pods: 1.3–1.6 % of a core with it). It too is fixed at heap set-up.
 */
export const SMALL_HEAP_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1', '--no-memory-reducer'];
