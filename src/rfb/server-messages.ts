// Server-to-client message builders (RFC 6143 §7.6 and the handshake §7.1-7.3), on a ByteWriter.
import { ByteWriter } from './byte-writer.js';
import { writePixelFormat, type PixelFormat } from './pixel-format.js';

export const ServerMessageType = {
  FramebufferUpdate: 0,
  SetColourMapEntries: 1,
  Bell: 2,
  ServerCutText: 3,
  EndOfContinuousUpdates: 150,
  Fence: 248,
} as const;

export const SecurityType = {
  Invalid: 0,
  None: 1,
  VncAuth: 2,
  VeNCrypt: 19,
} as const;

export function protocolVersion(minor: number): Buffer {
  return Buffer.from(`RFB 003.00${minor}\n`, 'latin1');
}

export function serverInit(w: ByteWriter, width: number, height: number, pf: PixelFormat, name: string): ByteWriter {
  const nameBytes = Buffer.from(name, 'utf8');
  w.u16(width).u16(height); // framebuffer-width, framebuffer-height
  writePixelFormat(w, pf); // server-pixel-format
  return w.u32(nameBytes.length).bytes(nameBytes); // name-length, name-string
}

/** A failure reason: u32 length + string (security failure, version 3.8 SecurityResult). */
export function reasonString(w: ByteWriter, reason: string): ByteWriter {
  const b = Buffer.from(reason, 'utf8');
  return w.u32(b.length).bytes(b);
}

/** Start a FramebufferUpdate; returns the offset of number-of-rectangles to patch later. */
export function beginFramebufferUpdate(w: ByteWriter): number {
  w.u8(ServerMessageType.FramebufferUpdate).pad(1);
  const at = w.length;
  w.u16(0); // number-of-rectangles, patched when known
  return at;
}

export function rectHeader(w: ByteWriter, x: number, y: number, width: number, height: number, encoding: number): ByteWriter {
  return w.u16(x).u16(y).u16(width).u16(height).s32(encoding);
}

export function serverCutText(w: ByteWriter, text: Buffer): ByteWriter {
  return w.u8(ServerMessageType.ServerCutText).pad(3).u32(text.length).bytes(text);
}

/** Fence flags (rfbproto "Fence"). */
export const FenceFlag = {
  BlockBefore: 1 << 0,
  BlockAfter: 1 << 1,
  SyncNext: 1 << 2,
  Request: 1 << 31,
} as const;

export function fence(flags: number, payload: Uint8Array): Buffer {
  return new ByteWriter(9 + payload.length).u8(ServerMessageType.Fence).pad(3).u32(flags).u8(payload.length).bytes(payload).toBuffer();
}

/** EndOfContinuousUpdates (also the answer to a client listing the ContinuousUpdates pseudo-encoding). */
export function endOfContinuousUpdates(): Buffer {
  return Buffer.from([ServerMessageType.EndOfContinuousUpdates]);
}

export function bell(w: ByteWriter): ByteWriter {
  return w.u8(ServerMessageType.Bell);
}

export function setColourMapEntries(w: ByteWriter, first: number, colours: [number, number, number][]): ByteWriter {
  w.u8(ServerMessageType.SetColourMapEntries).pad(1).u16(first).u16(colours.length);
  for (const [r, g, b] of colours) w.u16(r).u16(g).u16(b);
  return w;
}
