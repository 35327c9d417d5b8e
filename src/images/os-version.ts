/** The OS-version rules live with the platform (the runtime applies them too); images use them for selection. */
export * from '../platform/os-version.js';
