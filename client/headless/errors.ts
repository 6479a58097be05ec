// The headless client's errors, with stable codes (as the server's RfbProtocolError): a connect()
// that fails rejects with one, and 'close' carries the one the connection ended with.

export type RfbClientErrorCode =
  /** No ServerInit within timeoutMs. */
  | 'RFB_CLIENT_ERR_TIMEOUT'
  /** The socket failed (refused, reset, unreachable). */
  | 'RFB_CLIENT_ERR_SOCKET'
  /** The peer's ProtocolVersion is not RFB 3.x. */
  | 'RFB_CLIENT_ERR_NOT_RFB'
  /** The server refused the connection during the handshake, with its reason. */
  | 'RFB_CLIENT_ERR_REFUSED'
  /** The server offers no security type this client speaks (None, VNC Authentication). */
  | 'RFB_CLIENT_ERR_UNSUPPORTED_SECURITY'
  /** The server requires VNC Authentication and no password was given. */
  | 'RFB_CLIENT_ERR_PASSWORD_REQUIRED'
  /** SecurityResult said failed (a wrong password, usually). */
  | 'RFB_CLIENT_ERR_AUTH_FAILED'
  /** The server sent something this client cannot take (unknown message, encoding not asked for, a rectangle outside the framebuffer, bad compressed data). */
  | 'RFB_CLIENT_ERR_PROTOCOL'
  /** The server closed the connection. */
  | 'RFB_CLIENT_ERR_CLOSED_BY_SERVER';

export class RfbClientError extends Error {
  constructor(
    readonly code: RfbClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RfbClientError';
  }
}
