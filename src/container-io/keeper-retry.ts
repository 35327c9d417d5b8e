/**
 * How long a recovered container's takeover is retried and how far its pauses grow; which failures are worth
 * another try is platform/transient.ts `canPass`.
 */

/** The longest pause between two takeover attempts. */
export const RETRY_CAP_MS = 15_000;

/** How long a takeover is retried in all before the container's exit is reported as lost (3 minutes). */
export const RECOVERY_GIVE_UP_MS = 180_000;
