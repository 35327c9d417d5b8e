/**
 * One sequential lifecycle sample (pods.ts `lifecycle`): per-RPC times in ms of a fresh pod's Run → Create → Start →
 * Stop → Remove, and pod start (RunPodSandbox → StartContainer returned). The lifecycle phase summarizes them and
 * `--lifecycle-trace` (lifecycle/trace.ts) records them.
 */
export type Sample = Record<'run' | 'create' | 'start' | 'stop' | 'remove' | 'podStart', number>;
