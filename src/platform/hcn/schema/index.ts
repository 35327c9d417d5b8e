/**
 * HCN (HNS v2) documents: one definition per document gives the TypeScript type (`XDoc`) and the validator
 * (`X`, use with validate() from ../../schema.js). Field names follow microsoft/hcsshim hcn/.
 */
export * from './common.js';
export * from './policy.js';
export * from './network.js';
export * from './endpoint.js';
export * from './namespace.js';
export * from './endpoint-stats.js';
