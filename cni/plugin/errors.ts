/** CNI error objects: `{cniVersion, code, msg, details}` with the spec's well-known codes. */

export const CNI_ERR = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  TryAgainLater: 11,
  /** STATUS: the plugin cannot serve ADD now (for example HNS unreachable, no free addresses). */
  PluginNotAvailable: 50,
  /** STATUS: not available, and existing containers may have limited connectivity. */
  PluginNotAvailableLimitedConnectivity: 51,
  // Plugin-specific codes (100+).
  /** An HNS call failed; details carry the HRESULT name and code. */
  HnsFailure: 100,
  /** A hostPort is already mapped on this host (HCN_E_PORT_ALREADY_EXISTS). */
  PortConflict: 101,
  /** The IPAM range has no free address. */
  AddressExhausted: 102,
  /** CHECK found the attachment different from prevResult or missing. */
  CheckFailed: 103,
  /** The Kubernetes API could not be read (EKS mode). */
  KubernetesApi: 104,
} as const;

export class CniError extends Error {
  constructor(readonly code: number, msg: string, readonly details = '') {
    super(msg);
    this.name = 'CniError';
  }
  toJSON(cniVersion: string): { cniVersion: string; code: number; msg: string; details?: string } {
    const o: { cniVersion: string; code: number; msg: string; details?: string } = { cniVersion, code: this.code, msg: this.message };
    if (this.details) o.details = this.details;
    return o;
  }
}

export const cniError = (code: number, msg: string, details = ''): CniError => new CniError(code, msg, details);
