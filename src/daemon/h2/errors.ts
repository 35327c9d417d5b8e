/** A malformed HPACK block or HTTP/2 frame sequence: the connection it came from cannot continue. */
export class H2ProtocolError extends Error {
  override name = 'H2ProtocolError';
}
