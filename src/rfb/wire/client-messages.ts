// Client-to-server messages (RFC 6143 §7.5): how many bytes each needs and a pure parser for each
// (the server's side), and a builder for each (the clients' side: the headless client, the bench).
import { ByteReader } from './byte-queue.js';
import { RfbProtocolError } from '../errors.js';
import { ByteWriter } from './byte-writer.js';
import { readPixelFormat, writePixelFormat, type PixelFormat } from './pixel-format.js';
import { extendedButtonMask } from './extensions.js';

export const ClientMessageType = {
  SetPixelFormat: 0,
  SetEncodings: 2,
  FramebufferUpdateRequest: 3,
  KeyEvent: 4,
  PointerEvent: 5,
  ClientCutText: 6,
  EnableContinuousUpdates: 150,
  Fence: 248,
  SetDesktopSize: 251,
  Qemu: 255,
} as const;

export type ClientMessage =
  | { type: 'SetPixelFormat'; pixelFormat: PixelFormat }
  | { type: 'SetEncodings'; encodings: number[] }
  | { type: 'FramebufferUpdateRequest'; incremental: boolean; x: number; y: number; w: number; h: number }
  | { type: 'KeyEvent'; down: boolean; keysym: number }
  | { type: 'PointerEvent'; buttonMask: number; x: number; y: number }
  | { type: 'ClientCutText'; text: Buffer; extended: boolean }
  | { type: 'EnableContinuousUpdates'; enable: boolean; x: number; y: number; w: number; h: number }
  | { type: 'Fence'; flags: number; payload: Buffer }
  | { type: 'SetDesktopSize'; width: number; height: number; screens: { id: number; x: number; y: number; w: number; h: number; flags: number }[] }
  | { type: 'QemuExtendedKeyEvent'; down: boolean; keysym: number; keycode: number };

/** Message forms a session has negotiated. */
export interface Extensions {
  /** ExtendedMouseButtons announced: a PointerEvent with bit 7 of its mask is 7 bytes long. */
  pointer: boolean;
  /** Extended Clipboard negotiated: a ClientCutText may have a negative length. */
  clipboard: boolean;
}

const NO_EXTENSIONS: Extensions = { pointer: false, clipboard: false };

export interface ParseLimits {
  maxCutText: number;
  maxEncodings: number;
}

/**
 * The total length of the message at the head of `head` (which holds `available` bytes), or the
 * number of bytes needed to learn it. Messages whose length depends on their body declare it in
 * steps (QEMU protocol_client_msg): SetEncodings needs 4, then 4 + 4n. Throws on an unknown type
 * or a declared length beyond the limits, before anything is allocated for it.
 */
export function clientMessageLength(head: Uint8Array, available: number, limits: ParseLimits, ext: Extensions = NO_EXTENSIONS): number {
  const type = head[0]!;
  const u16 = (o: number) => (head[o]! << 8) | head[o + 1]!;
  const u32 = (o: number) => ((head[o]! << 24) | (head[o + 1]! << 16) | (head[o + 2]! << 8) | head[o + 3]!) >>> 0;
  switch (type) {
    case ClientMessageType.SetPixelFormat:
      return 20;
    case ClientMessageType.SetEncodings: {
      if (available < 4) return 4;
      const n = u16(2);
      if (n > limits.maxEncodings) throw new RfbProtocolError('RFB_ERR_TOO_MANY_ENCODINGS', `SetEncodings with ${n} encodings (limit ${limits.maxEncodings})`);
      return 4 + 4 * n;
    }
    case ClientMessageType.FramebufferUpdateRequest:
      return 10;
    case ClientMessageType.KeyEvent:
      return 8;
    case ClientMessageType.PointerEvent:
      if (available < 2) return 2;
      return ext.pointer && head[1]! & 0x80 ? 7 : 6; // ExtendedPointerEvent: marker bit, a 7th byte
    case ClientMessageType.ClientCutText: {
      if (available < 8) return 8;
      const len = u32(4);
      // a negative length is the Extended Clipboard form (flags, then data), once negotiated
      if (ext.clipboard && len >= 0x80000000) {
        const n = 0x100000000 - len;
        if (n > limits.maxCutText + 4) throw new RfbProtocolError('RFB_ERR_MESSAGE_TOO_LARGE', `extended ClientCutText of ${n} bytes (limit ${limits.maxCutText + 4})`);
        return 8 + n;
      }
      if (len > limits.maxCutText) throw new RfbProtocolError('RFB_ERR_MESSAGE_TOO_LARGE', `ClientCutText of ${len} bytes (limit ${limits.maxCutText})`);
      return 8 + len;
    }
    case ClientMessageType.EnableContinuousUpdates:
      return 10;
    case ClientMessageType.Fence: {
      if (available < 9) return 9;
      const len = head[8]!;
      if (len > 64) throw new RfbProtocolError('RFB_ERR_MESSAGE_TOO_LARGE', `Fence payload of ${len} bytes (limit 64)`);
      return 9 + len;
    }
    case ClientMessageType.SetDesktopSize: {
      if (available < 8) return 8;
      return 8 + 16 * head[6]!;
    }
    case ClientMessageType.Qemu: {
      if (available < 2) return 2;
      if (head[1] === 0) return 12; // extended key event
      throw new RfbProtocolError('RFB_ERR_UNKNOWN_MESSAGE', `unknown QEMU client message subtype ${head[1]}`);
    }
    default:
      throw new RfbProtocolError('RFB_ERR_UNKNOWN_MESSAGE', `unknown client message type ${type}`);
  }
}

/** Parse one whole message (exactly the bytes clientMessageLength asked for). */
export function parseClientMessage(buf: Uint8Array): ClientMessage {
  const r = new ByteReader(buf);
  const type = r.u8();
  switch (type) {
    case ClientMessageType.SetPixelFormat:
      r.skip(3); // padding
      return { type: 'SetPixelFormat', pixelFormat: readPixelFormat(r) };
    case ClientMessageType.SetEncodings: {
      r.skip(1); // padding
      const n = r.u16(); // number-of-encodings
      const encodings: number[] = [];
      for (let i = 0; i < n; i++) encodings.push(r.s32());
      return { type: 'SetEncodings', encodings };
    }
    case ClientMessageType.FramebufferUpdateRequest: {
      const incremental = r.u8() !== 0;
      return { type: 'FramebufferUpdateRequest', incremental, x: r.u16(), y: r.u16(), w: r.u16(), h: r.u16() };
    }
    case ClientMessageType.KeyEvent: {
      const down = r.u8() !== 0;
      r.skip(2); // padding
      return { type: 'KeyEvent', down, keysym: r.u32() };
    }
    case ClientMessageType.PointerEvent: {
      const low = r.u8();
      const x = r.u16();
      const y = r.u16();
      // the 7-byte form only comes when clientMessageLength allowed it
      return { type: 'PointerEvent', buttonMask: buf.length === 7 ? extendedButtonMask(low, r.u8()) : low, x, y };
    }
    case ClientMessageType.ClientCutText: {
      r.skip(3); // padding
      const len = r.u32();
      // a negative length (the Extended Clipboard form) was accepted only once negotiated
      const extended = len >= 0x80000000;
      return { type: 'ClientCutText', text: Buffer.from(r.bytes(extended ? 0x100000000 - len : len)), extended };
    }
    case ClientMessageType.EnableContinuousUpdates: {
      const enable = r.u8() !== 0;
      return { type: 'EnableContinuousUpdates', enable, x: r.u16(), y: r.u16(), w: r.u16(), h: r.u16() };
    }
    case ClientMessageType.Fence: {
      r.skip(3); // padding
      const flags = r.u32();
      const len = r.u8();
      return { type: 'Fence', flags, payload: Buffer.from(r.bytes(len)) };
    }
    case ClientMessageType.SetDesktopSize: {
      r.skip(1); // padding
      const width = r.u16();
      const height = r.u16();
      const n = r.u8();
      r.skip(1); // padding
      const screens = [];
      for (let i = 0; i < n; i++) screens.push({ id: r.u32(), x: r.u16(), y: r.u16(), w: r.u16(), h: r.u16(), flags: r.u32() });
      return { type: 'SetDesktopSize', width, height, screens };
    }
    case ClientMessageType.Qemu: {
      r.skip(1); // submessage-type 0
      const down = r.u16() !== 0;
      return { type: 'QemuExtendedKeyEvent', down, keysym: r.u32(), keycode: r.u32() };
    }
    default:
      throw new RfbProtocolError('RFB_ERR_UNKNOWN_MESSAGE', `unknown client message type ${type}`);
  }
}

/** Client message builders (RFC 6143 §7.5 and the extensions we speak), each a whole message. */
export const clientMessages = {
  setPixelFormat(pf: PixelFormat): Buffer {
    return writePixelFormat(new ByteWriter(20).u8(ClientMessageType.SetPixelFormat).pad(3), pf).toBuffer();
  },
  setEncodings(list: readonly number[]): Buffer {
    const w = new ByteWriter(4 + 4 * list.length).u8(ClientMessageType.SetEncodings).pad(1).u16(list.length);
    for (const e of list) w.s32(e);
    return w.toBuffer();
  },
  framebufferUpdateRequest(incremental: boolean, x: number, y: number, w: number, h: number): Buffer {
    return new ByteWriter(10).u8(ClientMessageType.FramebufferUpdateRequest).u8(incremental ? 1 : 0).u16(x).u16(y).u16(w).u16(h).toBuffer();
  },
  keyEvent(down: boolean, keysym: number): Buffer {
    return new ByteWriter(8).u8(ClientMessageType.KeyEvent).u8(down ? 1 : 0).pad(2).u32(keysym).toBuffer();
  },
  /** A PointerEvent; a mask with buttons 7-8 (back, forward) as the 7-byte ExtendedPointerEvent, once the server announced ExtendedMouseButtons. */
  pointerEvent(buttonMask: number, x: number, y: number, extended = false): Buffer {
    if (extended && buttonMask > 0x7f) {
      // the marker bit, then buttons 7-8 in a 7th byte
      return new ByteWriter(7).u8(ClientMessageType.PointerEvent).u8(0x80 | (buttonMask & 0x7f)).u16(x).u16(y).u8((buttonMask >> 7) & 0x03).toBuffer();
    }
    return new ByteWriter(6).u8(ClientMessageType.PointerEvent).u8(buttonMask).u16(x).u16(y).toBuffer();
  },
  /** ClientCutText in its plain form (Latin-1 text). */
  clientCutText(text: Uint8Array): Buffer {
    return new ByteWriter(8 + text.length).u8(ClientMessageType.ClientCutText).pad(3).u32(text.length).bytes(text).toBuffer();
  },
  enableContinuousUpdates(enable: boolean, x: number, y: number, w: number, h: number): Buffer {
    return new ByteWriter(10).u8(ClientMessageType.EnableContinuousUpdates).u8(enable ? 1 : 0).u16(x).u16(y).u16(w).u16(h).toBuffer();
  },
  /** SetDesktopSize with one screen (id 0) covering it. */
  setDesktopSize(width: number, height: number): Buffer {
    return new ByteWriter(24).u8(ClientMessageType.SetDesktopSize).pad(1).u16(width).u16(height).u8(1).pad(1).u32(0).u16(0).u16(0).u16(width).u16(height).u32(0).toBuffer();
  },
  /** QEMU Extended Key Event: the keysym and the XT scancode (keycode). */
  qemuExtendedKeyEvent(down: boolean, keysym: number, keycode: number): Buffer {
    return new ByteWriter(12).u8(ClientMessageType.Qemu).u8(0).u16(down ? 1 : 0).u32(keysym).u32(keycode).toBuffer();
  },
};
