/**
 * HCS schema v2 documents: one definition per document gives the TypeScript type (`XDoc`) and the validator
 * (`X`, use with validate() from ../../schema.js). Field names and JSON types follow microsoft/hcsshim
 * internal/hcs/schema2 exactly.
 */
export * from './common.js';
export * from './container.js';
export * from './virtual-machine.js';
export * from './compute-system.js';
export * from './process.js';
export * from './properties.js';
export * from './requests.js';
export * from './service.js';
export * from './guest.js';
