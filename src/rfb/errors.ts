// Protocol errors with stable codes; every session failure goes through one of these.

export type RfbErrorCode =
  | 'RFB_ERR_UNSUPPORTED_VERSION'
  | 'RFB_ERR_BAD_VERSION'
  | 'RFB_ERR_UNSUPPORTED_SECURITY'
  | 'RFB_ERR_AUTH_FAILED'
  | 'RFB_ERR_UNKNOWN_MESSAGE'
  | 'RFB_ERR_BAD_PIXEL_FORMAT'
  | 'RFB_ERR_MESSAGE_TOO_LARGE'
  | 'RFB_ERR_TOO_MANY_ENCODINGS'
  | 'RFB_ERR_RESIZE_UNSUPPORTED'
  | 'RFB_ERR_TIMEOUT'
  | 'RFB_ERR_OUTPUT_OVERFLOW'
  | 'RFB_ERR_CLIENT_STALLED'
  | 'RFB_ERR_SERVER_FULL'
  | 'RFB_ERR_TRUNCATED'
  | 'RFB_ERR_TLS'
  | 'RFB_ERR_BAD_CLIPBOARD';

export class RfbProtocolError extends Error {
  constructor(readonly code: RfbErrorCode, message: string) {
    super(message);
    this.name = 'RfbProtocolError';
  }
}
