/** HCN document builders (pure). */
export { buildNamespace, buildNamespaceEndpointRequest, buildIdQuery } from './namespace.js';
