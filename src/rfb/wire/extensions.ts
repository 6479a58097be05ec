// Protocol extensions noVNC 1.7 asks for (its core/rfb.js): QEMU LED state (-261), ExtendedMouseButtons
// (-316) and ExtendedClipboard (0xC0A1E5CE, rfbproto "Extended Clipboard Pseudo-Encoding"), with the
// plain ServerCutText/ClientCutText for clients that did not ask for it.
import zlib from 'node:zlib';
import { ByteWriter } from './byte-writer.js';
import { RfbProtocolError } from '../errors.js';
import { rectHeader, ServerMessageType } from './server-messages.js';

export const EXTENDED_CLIPBOARD = 0xc0a1e5ce | 0; // as SetEncodings carries it (signed)
export const QEMU_LED_STATE = -261;
export const EXTENDED_MOUSE_BUTTONS = -316;

/** QEMU LED State pseudo-rectangle: bit 0 Scroll Lock, 1 Num Lock, 2 Caps Lock (as the i8042's 0xED). */
export function writeLedState(w: ByteWriter, leds: number): void {
  rectHeader(w, 0, 0, 0, 0, QEMU_LED_STATE).u8(leds & 7);
}

/** ExtendedMouseButtons pseudo-rectangle: from now on the client may send 7-byte PointerEvents. */
export function writeExtendedMouseButtons(w: ByteWriter): void {
  rectHeader(w, 0, 0, 0, 0, EXTENDED_MOUSE_BUTTONS);
}

/**
 * An ExtendedPointerEvent's button mask: bits 0-6 from the first byte (whose bit 7 marks the
 * extended form), bits 7-8 (back, forward) from the seventh.
 */
export function extendedButtonMask(low: number, high: number): number {
  return (low & 0x7f) | ((high & 0x03) << 7);
}

export const ClipboardAction = {
  Caps: 1 << 24,
  Request: 1 << 25,
  Peek: 1 << 26,
  Notify: 1 << 27,
  Provide: 1 << 28,
} as const;
const FORMAT_TEXT = 1;
const ACTIONS = 0xff000000;

/** A ServerCutText (3) or ClientCutText (6) in the extended form: the length field is minus the payload's length. */
function extendedCutText(type: number, flags: number, rest: Uint8Array = new Uint8Array(0)): Buffer {
  const w = new ByteWriter(12 + rest.length).u8(type).pad(3).s32(-(4 + rest.length)).u32(flags >>> 0).bytes(rest);
  return w.toBuffer();
}

/** Text as the clipboard carries it: UTF-8, CRLF line ends, a terminating NUL. */
function encodeText(text: string): Buffer {
  return Buffer.from(`${text.replace(/\r\n|\r|\n/g, '\r\n')}\0`, 'utf8');
}

function decodeText(bytes: Buffer): string {
  let s = bytes.toString('utf8');
  if (s.endsWith('\0')) s = s.slice(0, -1);
  return s.replace(/\r\n/g, '\n');
}

/**
 * One side of the Extended Clipboard (the protocol is the same both ways): the server announces its
 * caps and the client answers with its own; each side then offers its clipboard with notify, the
 * other requests it, and it is provided (zlib, UTF-8). Peek is answered with notify. Only text is
 * carried. The server side is a session's; the headless client uses the client side.
 */
export class ExtendedClipboard {
  /** What the other side said it can do (its Caps message), null until it did. */
  peerActions: number | null = null;
  /** Our clipboard text we last offered. */
  #offered: string | null = null;
  readonly #type: number;

  constructor(
    readonly role: 'server' | 'client',
    readonly maxBytes: number,
    readonly send: (bytes: Buffer) => void,
    /** The other side's clipboard text arrived (Provide). */
    readonly deliver: (text: string) => void,
  ) {
    this.#type = role === 'server' ? ServerMessageType.ServerCutText : 6;
  }

  /** Our caps: text up to maxBytes; every action. The server sends them first; a client answers. */
  start(): void {
    const all = ClipboardAction.Caps | ClipboardAction.Request | ClipboardAction.Peek | ClipboardAction.Notify | ClipboardAction.Provide;
    const size = Buffer.alloc(4);
    size.writeUInt32BE(this.maxBytes);
    this.send(extendedCutText(this.#type, all | FORMAT_TEXT, size));
  }

  /** Our clipboard changed: tell the other side (notify); false if it cannot take that (send it plainly). */
  offer(text: string): boolean {
    this.#offered = text;
    if (this.peerActions === null || !(this.peerActions & ClipboardAction.Notify)) return false;
    this.send(extendedCutText(this.#type, ClipboardAction.Notify | FORMAT_TEXT));
    return true;
  }

  /** A cut-text message in the extended form (flags, then the action's data). */
  receive(payload: Buffer): void {
    if (payload.length < 4) throw new RfbProtocolError('RFB_ERR_BAD_CLIPBOARD', 'extended ClientCutText without flags');
    const flags = payload.readUInt32BE(0);
    const actions = flags & ACTIONS;
    const text = (flags & FORMAT_TEXT) !== 0;
    if (actions & ClipboardAction.Caps) {
      const first = this.peerActions === null;
      this.peerActions = actions;
      if (this.role === 'client' && first) this.start();
      return;
    }
    switch (actions >>> 0) {
      case ClipboardAction.Notify: // the client's clipboard changed: ask for it
        if (text) this.send(extendedCutText(this.#type, ClipboardAction.Request | FORMAT_TEXT));
        return;
      case ClipboardAction.Request:
        if (text && this.#offered !== null) this.#provide(this.#offered);
        return;
      case ClipboardAction.Peek:
        this.send(extendedCutText(this.#type, ClipboardAction.Notify | (this.#offered !== null ? FORMAT_TEXT : 0)));
        return;
      case ClipboardAction.Provide:
        if (text) this.deliver(this.#unpack(payload.subarray(4)));
        return;
      default:
        return; // several actions at once, or none: nothing a client should send; ignore
    }
  }

  #provide(text: string): void {
    const body = encodeText(text);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(body.length);
    this.send(extendedCutText(this.#type, ClipboardAction.Provide | FORMAT_TEXT, zlib.deflateSync(Buffer.concat([size, body]))));
  }

  /** A Provide's zlib stream: for each format in the flags (text is the lowest), u32 size, data. */
  #unpack(stream: Buffer): string {
    let raw: Buffer;
    try {
      // noVNC flushes its stream without finishing it
      raw = zlib.inflateSync(stream, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: this.maxBytes + 8 });
    } catch (err) {
      throw new RfbProtocolError('RFB_ERR_BAD_CLIPBOARD', `extended clipboard data does not inflate: ${(err as Error).message}`);
    }
    if (raw.length < 4) throw new RfbProtocolError('RFB_ERR_BAD_CLIPBOARD', 'extended clipboard text without its size');
    const size = raw.readUInt32BE(0);
    if (size > this.maxBytes) throw new RfbProtocolError('RFB_ERR_MESSAGE_TOO_LARGE', `extended clipboard text of ${size} bytes (limit ${this.maxBytes})`);
    if (raw.length < 4 + size) throw new RfbProtocolError('RFB_ERR_BAD_CLIPBOARD', `extended clipboard text of ${size} bytes, ${raw.length - 4} present`);
    return decodeText(raw.subarray(4, 4 + size));
  }
}
