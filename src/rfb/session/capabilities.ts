// What one client can take: the pseudo-encodings and extensions its SetEncodings listed (and what
// that newly owes it), the encoders' parameters, its pixel format and, for colour-map clients, the
// colour map it was sent.
import { Rgb332ColourMap, type ColourMap } from '../encodings/colour-map.js';
import { EncodingType } from '../wire/encodings.js';
import { ResizeReason, ResizeStatus } from '../encodings/pseudo.js';
import type { EncoderSet } from '../encodings/select.js';
import { ByteWriter } from '../wire/byte-writer.js';
import { EXTENDED_CLIPBOARD, EXTENDED_MOUSE_BUTTONS, ExtendedClipboard, QEMU_LED_STATE } from '../wire/extensions.js';
import { NATIVE_FORMAT, PixelTranslator, pixelFormatKey, type PixelFormat } from '../wire/pixel-format.js';
import { endOfContinuousUpdates, fence, FenceFlag, setColourMapEntries } from '../wire/server-messages.js';

/** What the client said it supports with SetEncodings (pseudo-encodings and CopyRect). */
export interface ClientSupport {
  copyRect: boolean;
  desktopSize: boolean;
  extendedDesktopSize: boolean;
  lastRect: boolean;
  desktopName: boolean;
  cursor: boolean;
  fence: boolean;
  continuousUpdates: boolean;
  qemuKey: boolean;
  ledState: boolean;
}

const NO_SUPPORT: ClientSupport = {
  copyRect: false,
  desktopSize: false,
  extendedDesktopSize: false,
  lastRect: false,
  desktopName: false,
  cursor: false,
  fence: false,
  continuousUpdates: false,
  qemuKey: false,
  ledState: false,
};

/** Pseudo-rectangles owed to the client with its next FramebufferUpdate. */
export interface PendingPseudo {
  /** ExtendedDesktopSize (or DesktopSize) with this reason and status. */
  size: { reason: number; status: number } | null;
  cursor: boolean;
  desktopName: boolean;
  qemuKeyAck: boolean;
  /** QEMU LED state to send (-261). */
  leds: number | null;
  /** ExtendedMouseButtons (-316) to announce. */
  mouseButtons: boolean;
}

export function anyPending(p: PendingPseudo): boolean {
  return p.size !== null || p.cursor || p.desktopName || p.qemuKeyAck || p.leds !== null || p.mouseButtons;
}

/** What SetEncodings needs from the session and its server. */
export interface CapabilitiesLink {
  send(data: Uint8Array): void;
  /** Clipboard text from the client (Extended Clipboard). */
  cutText(text: string): void;
  readonly maxCutText: number;
  /** The server's pointer shape (null: the server sends none). */
  readonly cursor: unknown;
  /** The guest keyboard's LEDs. */
  readonly leds: number | undefined;
}

export class ClientCapabilities {
  support: ClientSupport = NO_SUPPORT;
  /** The list of the last SetEncodings. */
  encodings: number[] = [];
  readonly pending: PendingPseudo = { size: null, cursor: false, desktopName: false, qemuKeyAck: false, leds: null, mouseButtons: false };
  /** Extensions in effect: 7-byte PointerEvents (after ExtendedMouseButtons went out), the Extended Clipboard. */
  readonly ext = { pointer: false, clipboard: false };
  clipboard: ExtendedClipboard | null = null;

  /** SetEncodings: what the client takes from now on, and what that newly owes it. */
  setEncodings(list: number[], encoders: EncoderSet, link: CapabilitiesLink): void {
    this.encodings = list;
    const had = this.support;
    const has = (e: number) => list.includes(e);
    const sup: ClientSupport = {
      copyRect: has(EncodingType.CopyRect),
      desktopSize: has(EncodingType.DesktopSize),
      extendedDesktopSize: has(EncodingType.ExtendedDesktopSize),
      lastRect: has(EncodingType.LastRect),
      desktopName: has(EncodingType.DesktopName),
      cursor: has(EncodingType.Cursor),
      fence: has(EncodingType.Fence),
      continuousUpdates: has(EncodingType.ContinuousUpdates),
      qemuKey: has(EncodingType.QemuExtendedKeyEvent),
      ledState: has(QEMU_LED_STATE),
    };
    this.support = sup;
    const level = (lo: number, hi: number) => {
      const e = list.find((v) => v >= lo && v <= hi);
      return e === undefined ? null : e - lo;
    };
    encoders.setEncodings(list, {
      compressLevel: level(EncodingType.CompressLevel0, EncodingType.CompressLevel9),
      qualityLevel: level(EncodingType.QualityLevel0, EncodingType.QualityLevel9),
      // noVNC (the client that lists TightPNG) decodes Tight without the gradient filter
      tightGradient: !has(EncodingType.TightPNG),
    });
    const p = this.pending;
    if (sup.extendedDesktopSize && !had.extendedDesktopSize) p.size ??= { reason: ResizeReason.Server, status: ResizeStatus.Ok };
    if (sup.cursor && !had.cursor && link.cursor !== null) p.cursor = true;
    if (sup.desktopName && !had.desktopName) p.desktopName = true;
    if (sup.qemuKey) p.qemuKeyAck = true; // on every SetEncodings listing it, as QEMU does
    if (sup.ledState && !had.ledState) p.leds = link.leds ?? 0;
    if (has(EXTENDED_MOUSE_BUTTONS) && !this.ext.pointer) p.mouseButtons = true;
    if (has(EXTENDED_CLIPBOARD) && !this.clipboard) {
      this.ext.clipboard = true;
      this.clipboard = new ExtendedClipboard('server', link.maxCutText, (b) => link.send(b), (text) => link.cutText(text));
      this.clipboard.start();
    }
    // ContinuousUpdates: EndOfContinuousUpdates tells the client we have it; Fence: a request does
    if (sup.continuousUpdates && !had.continuousUpdates) link.send(endOfContinuousUpdates());
    if (sup.fence && !had.fence) link.send(fence(FenceFlag.Request, new Uint8Array(0)));
  }
}

const DEFAULT_COLOUR_MAP = new Rgb332ColourMap();

/** The client's pixel format, its translator, and the colour map a colour-map client holds. */
export class ClientFormat {
  pixelFormat: PixelFormat = NATIVE_FORMAT;
  translator = new PixelTranslator(NATIVE_FORMAT);
  #key = pixelFormatKey(NATIVE_FORMAT);
  #colourMapVersion = -1;

  constructor(private readonly serverMap: () => ColourMap | undefined) {}

  get #map(): ColourMap {
    return this.serverMap() ?? DEFAULT_COLOUR_MAP;
  }

  /** SetPixelFormat (validated): a colour-map client is sent the map at once. */
  set(pf: PixelFormat, send: (data: Uint8Array) => void): void {
    this.pixelFormat = pf;
    const map = this.#map;
    this.translator = new PixelTranslator(pf, pf.trueColour ? undefined : (rgb) => map.index(rgb));
    this.#colourMapVersion = -1;
    this.sendColourMapIfNeeded(send);
    this.#key = pixelFormatKey(pf);
  }

  /** The key of encoded rectangles this client can share with others (format, and colour map). */
  get cacheKey(): string {
    return this.translator.pf.trueColour ? this.#key : `${this.#key}:map${this.#colourMapVersion}`;
  }

  /**
   * Colour-map clients get the map (again, when the guest palette changed) before pixels using it;
   * true when it changed under pixels the client shows (they are stale).
   */
  sendColourMapIfNeeded(send: (data: Uint8Array) => void): boolean {
    if (this.pixelFormat.trueColour) return false;
    const map = this.#map;
    if (map.version === this.#colourMapVersion) return false;
    const first = this.#colourMapVersion >= 0; // a change: what the client shows is stale
    this.#colourMapVersion = map.version;
    const w = new ByteWriter(6 + 256 * 6);
    setColourMapEntries(w, 0, map.entries().map(([r, g, b]) => [r * 257, g * 257, b * 257] as [number, number, number]));
    send(w.toBuffer());
    return first;
  }
}
