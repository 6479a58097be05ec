// vramvnc/client: the headless RFB client for any VNC server, and its framebuffer.
export { RfbClient, parseVncUrl, ALL_CLIENT_ENCODINGS, DEFAULT_CLIENT_ENCODINGS, type RfbClientOptions, type UpdateInfo } from './headless/rfb-client.js';
export { ClientFramebuffer } from './headless/framebuffer.js';
export { EncodingType } from '../src/rfb/wire/encodings.js';
