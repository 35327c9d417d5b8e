/** Pod networking (CNI): configuration, plugin invocation, result cache. Implements the runtime's PodNetwork port. */
export { CniManager, NETWORK_NOT_READY, type CniOptions, type PodNetworkStatus } from './cni.js';
export { cniArgs, parseQuantity, type PodNetworkRequest, type PodNetworkAttachment } from './pod-args.js';
export { renderTemplate } from './pod-cidr.js';
export { ConfDirLoader, parseNetworkConfig, ConfigProblem, type NetworkList, type PluginConf } from './config.js';
export { CniError, execPlugin, findPlugin, type CniCommand } from './invoke.js';
export { podIpsOf, compareVersions, SUPPORTED_VERSIONS } from './version.js';
export { defaultNetworkList, DEFAULT_NETWORK_SOURCE, type DefaultNetworkOptions } from './default-network.js';
