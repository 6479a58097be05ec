// Server-to-client messages (RFC 6143 §7.6, and ServerInit §7.3.2): a builder for each on a
// ByteWriter (the server's side), and how many bytes each needs and a parser (the clients' side).
import { ByteReader } from './byte-queue.js';
import { ByteWriter } from './byte-writer.js';
import { readPixelFormat, writePixelFormat, type PixelFormat } from './pixel-format.js';

export const ServerMessageType = {
  FramebufferUpdate: 0,
  SetColourMapEntries: 1,
  Bell: 2,
  ServerCutText: 3,
  EndOfContinuousUpdates: 150,
  Fence: 248,
} as const;

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

/** Fence: the same message both ways. */
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

/** A FramebufferUpdate rectangle's 12-byte header. */
export interface RectHeader {
  x: number;
  y: number;
  w: number;
  h: number;
  encoding: number;
}

export function parseRectHeader(b: Uint8Array): RectHeader {
  const r = new ByteReader(b);
  return { x: r.u16(), y: r.u16(), w: r.u16(), h: r.u16(), encoding: r.s32() };
}

export interface ServerInit {
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  name: string;
}

/** ServerInit's length from its first bytes (`available` of them), or the bytes needed to learn it. */
export function serverInitLength(head: Uint8Array, available: number): number {
  if (available < 24) return 24;
  return 24 + Buffer.from(head.buffer, head.byteOffset, head.byteLength).readUInt32BE(20);
}

export function parseServerInit(b: Uint8Array): ServerInit {
  const r = new ByteReader(b);
  const width = r.u16();
  const height = r.u16();
  const pixelFormat = readPixelFormat(r);
  return { width, height, pixelFormat, name: Buffer.from(r.bytes(r.u32())).toString('utf8') };
}

export type ServerMessage =
  /** Its rectangles follow, each a header and a body as long as its encoding says. */
  | { type: 'FramebufferUpdate'; rects: number }
  | { type: 'SetColourMapEntries'; first: number; colours: [number, number, number][] }
  | { type: 'Bell' }
  | { type: 'ServerCutText'; text: Buffer; extended: boolean }
  | { type: 'EndOfContinuousUpdates' }
  | { type: 'Fence'; flags: number; payload: Buffer };

/**
 * The length of the server message at the head of `head` (`available` bytes there), or the bytes
 * needed to learn it; a FramebufferUpdate counts its 4-byte header only. With `extendedClipboard`
 * (the client listed it), a ServerCutText of negative length is the Extended Clipboard form.
 */
export function serverMessageLength(head: Uint8Array, available: number, extendedClipboard = false): number {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  switch (b[0]) {
    case ServerMessageType.FramebufferUpdate:
      return 4;
    case ServerMessageType.SetColourMapEntries:
      return available < 6 ? 6 : 6 + 6 * b.readUInt16BE(4);
    case ServerMessageType.Bell:
    case ServerMessageType.EndOfContinuousUpdates:
      return 1;
    case ServerMessageType.ServerCutText: {
      if (available < 8) return 8;
      const len = b.readUInt32BE(4);
      return 8 + (extendedClipboard && len >= 0x80000000 ? 0x100000000 - len : len);
    }
    case ServerMessageType.Fence:
      return available < 9 ? 9 : 9 + b[8]!;
    default:
      throw new Error(`unknown server message type ${b[0]}`);
  }
}

/** Parse one whole server message (exactly the bytes serverMessageLength asked for). */
export function parseServerMessage(buf: Uint8Array): ServerMessage {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  switch (b[0]) {
    case ServerMessageType.FramebufferUpdate:
      return { type: 'FramebufferUpdate', rects: b.readUInt16BE(2) };
    case ServerMessageType.SetColourMapEntries: {
      const first = b.readUInt16BE(2);
      const colours: [number, number, number][] = [];
      for (let o = 6; o < b.length; o += 6) colours.push([b.readUInt16BE(o), b.readUInt16BE(o + 2), b.readUInt16BE(o + 4)]);
      return { type: 'SetColourMapEntries', first, colours };
    }
    case ServerMessageType.Bell:
      return { type: 'Bell' };
    case ServerMessageType.ServerCutText:
      return { type: 'ServerCutText', text: Buffer.from(b.subarray(8)), extended: b.readUInt32BE(4) >= 0x80000000 };
    case ServerMessageType.EndOfContinuousUpdates:
      return { type: 'EndOfContinuousUpdates' };
    case ServerMessageType.Fence:
      return { type: 'Fence', flags: b.readUInt32BE(4), payload: Buffer.from(b.subarray(9)) };
    default:
      throw new Error(`unknown server message type ${b[0]}`);
  }
}
