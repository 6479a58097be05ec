import { describe, expect, it } from 'vitest';
import { DirtyRegion } from '../../src/display/dirty-region.js';
import { Surface } from '../../src/display/surface.js';
import { ByteWriter } from '../../src/rfb/wire/byte-writer.js';
import { DEFAULT_SESSION_OPTIONS, RfbSession, type SessionHost } from '../../src/rfb/session.js';
import { writePixelFormat, type PixelFormat } from '../../src/rfb/wire/pixel-format.js';
import { FakeChannel } from '../helpers/fake-channel.js';

function makeHost(width = 32, height = 16) {
  const surface = new Surface(width, height);
  for (let i = 0; i < surface.data.length; i++) surface.data[i] = i * 0x010203;
  const events: string[] = [];
  const logs: string[] = [];
  const host: SessionHost & { surface: Surface } = {
    surface,
    desktopName: 'test',
    input: {
      keyEvent: (down, keysym) => events.push(`key ${down ? 'down' : 'up'} ${keysym.toString(16)}`),
      pointerEvent: (m, x, y) => events.push(`pointer ${m} ${x},${y}`),
      cutText: (t) => events.push(`cut ${t}`),
    },
    options: { ...DEFAULT_SESSION_OPTIONS, maxCutText: 100 },
    want: () => {},
    refreshIfStale: () => {},
    admit: (_s, shared) => {
      if (!shared) events.push('exclusive');
      return null;
    },
    log: (l) => logs.push(l),
    countUpdate: () => {},
  };
  return { host, events, logs };
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Handshake to Normal with version 3.8 / None; returns what the server sent. */
function handshake(ch: FakeChannel, chunk = 1): Buffer {
  ch.deliver(Buffer.from('RFB 003.008\n'), chunk);
  ch.deliver(Buffer.from([1]), chunk); // security None
  ch.deliver(Buffer.from([1]), chunk); // shared
  return ch.take();
}

const PF_RGB565_BE: PixelFormat = { bitsPerPixel: 16, depth: 16, bigEndian: true, trueColour: true, redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0 };

describe('RfbSession handshake', () => {
  it('speaks 3.8 with security None: version, types, SecurityResult, ServerInit (byte-exact)', () => {
    const { host } = makeHost();
    const ch = new FakeChannel();
    const s = new RfbSession(ch, host);
    const out = handshake(ch);
    const expected = Buffer.concat([
      Buffer.from('RFB 003.008\n'),
      hex('01 01'), // one security type: None
      hex('00000000'), // SecurityResult OK
      hex('0020 0010'), // 32x16
      hex('20 18 00 01 00ff 00ff 00ff 10 08 00 000000'), // 32bpp depth 24 LE true-colour, shifts 16/8/0
      hex('00000004'),
      Buffer.from('test'),
    ]);
    expect(out.equals(expected)).toBe(true);
    expect(s.state).toBe('Normal');
  });

  it('speaks 3.3: the server picks None and sends no SecurityResult', () => {
    const { host } = makeHost();
    const ch = new FakeChannel();
    const s = new RfbSession(ch, host);
    ch.deliver(Buffer.from('RFB 003.003\n'), 1);
    expect(ch.take().subarray(12).equals(hex('00000001'))).toBe(true);
    ch.deliver(Buffer.from([1]));
    expect(s.state).toBe('Normal');
    expect(ch.take().subarray(0, 4).equals(hex('0020 0010'))).toBe(true);
  });

  it('speaks 3.7: no SecurityResult after None; unknown minors fall back to 3.3', () => {
    const { host } = makeHost();
    const ch = new FakeChannel();
    const s = new RfbSession(ch, host);
    ch.deliver(Buffer.from('RFB 003.007\n'));
    ch.deliver(Buffer.from([1]));
    expect(ch.take().subarray(12).equals(hex('0101'))).toBe(true);
    ch.deliver(Buffer.from([0]));
    expect(s.state).toBe('Normal');
    const s2 = new RfbSession(new FakeChannel(), host);
    const ch2 = s2.channel as FakeChannel;
    ch2.deliver(Buffer.from('RFB 003.005\n'));
    expect(s2.minor).toBe(3);
  });

  it('refuses garbage instead of a version with a coded reason', () => {
    const { host, logs } = makeHost();
    const ch = new FakeChannel();
    const s = new RfbSession(ch, host);
    ch.deliver(Buffer.from('GET / HTTP/1.1\r\n'));
    expect(s.state).toBe('Closed');
    expect(s.closeReason).toMatch(/^RFB_ERR_BAD_VERSION: not an RFB client/);
    // the closed session keeps the coded error itself, not only the flattened reason
    expect(s.closeError?.code).toBe('RFB_ERR_BAD_VERSION');
    expect(s.closeError?.message).toMatch(/^not an RFB client/);
    expect(ch.closed).toBe(true);
    expect(logs.at(-1)).toContain('closed: RFB_ERR_BAD_VERSION');
  });

  it('refuses a security type it did not offer, with a 3.8 failure reason', () => {
    const { host } = makeHost();
    const ch = new FakeChannel();
    const s = new RfbSession(ch, host);
    ch.deliver(Buffer.from('RFB 003.008\n'));
    ch.take();
    ch.deliver(Buffer.from([2]));
    const out = ch.take();
    expect(out.readUInt32BE(0)).toBe(1);
    expect(out.subarray(8).toString()).toBe('security type 2 is not offered');
    expect(s.closeReason).toMatch(/^RFB_ERR_UNSUPPORTED_SECURITY/);
    expect(s.closeError?.code).toBe('RFB_ERR_UNSUPPORTED_SECURITY');
  });

  it('asks for exclusive access when the shared-flag is 0', () => {
    const { host, events } = makeHost();
    const ch = new FakeChannel();
    new RfbSession(ch, host);
    ch.deliver(Buffer.from('RFB 003.008\n'));
    ch.deliver(Buffer.from([1, 0]));
    expect(events).toEqual(['exclusive']);
  });
});

describe('RfbSession large updates', () => {
  /** An incremental update of four 512x100 bands (800 KiB as Raw), for a client with these encodings. */
  function bands(encodings: number[]) {
    const { host } = makeHost(512, 480);
    const ch = new FakeChannel();
    const s = new RfbSession(ch, host);
    handshake(ch);
    const w = new ByteWriter().u8(2).pad(1).u16(encodings.length);
    for (const e of encodings) w.s32(e);
    ch.deliver(w.toBuffer());
    ch.deliver(hex('03 01 0000 0000 0200 01e0'));
    ch.take();
    const region = new DirtyRegion(512, 480);
    for (const y of [0, 120, 240, 360]) region.addRect({ x: 0, y, w: 512, h: 100 });
    s.onUpdate(region);
    const writes = ch.written.length;
    return { host, writes, out: ch.take() };
  }

  /** Walk Raw rectangles (and a LastRect) from offset 4; check every pixel against the surface. */
  function checkRaw(out: Buffer, surface: Surface, count: number): number {
    let at = 4;
    let rects = 0;
    for (let i = 0; i < count; i++) {
      const [x, y, w, h, enc] = [out.readUInt16BE(at), out.readUInt16BE(at + 2), out.readUInt16BE(at + 4), out.readUInt16BE(at + 6), out.readInt32BE(at + 8)];
      at += 12;
      if (enc === -224) break; // LastRect
      expect(enc).toBe(0);
      for (let yy = 0; yy < h; yy++)
        for (let xx = 0; xx < w; xx++, at += 4) expect(out.readUInt32LE(at)).toBe(surface.data[(y + yy) * surface.width + x + xx]);
      rects++;
    }
    expect(at).toBe(out.length);
    return rects;
  }

  it('goes out as it is encoded, ended by LastRect, to a client that takes LastRect', () => {
    const { host, writes, out } = bands([0, -224]);
    expect(writes).toBeGreaterThanOrEqual(2); // the first rectangles left before the last were made
    expect(out.readUInt16BE(2)).toBe(0xffff);
    expect(checkRaw(out, host.surface, 0xffff)).toBe(4);
  });

  it('goes out whole, with its count, to a client without LastRect', () => {
    const { host, writes, out } = bands([0]);
    expect(writes).toBe(1);
    expect(out.readUInt16BE(2)).toBe(4);
    expect(checkRaw(out, host.surface, 4)).toBe(4);
  });
});

describe('RfbSession client messages', () => {
  function normal(chunk = 1) {
    const h = makeHost();
    const ch = new FakeChannel();
    const s = new RfbSession(ch, h.host);
    handshake(ch, chunk);
    return { ...h, ch, s };
  }

  it('parses every message type fed one byte at a time, and many messages in one read', () => {
    const w = new ByteWriter();
    w.u8(4).u8(1).pad(2).u32(0xff0d); // KeyEvent down Return
    w.u8(5).u8(1).u16(7).u16(9); // PointerEvent
    w.u8(6).pad(3).u32(5).bytes(Buffer.from('h\xe9llo', 'latin1')); // ClientCutText
    w.u8(2).pad(1).u16(2).s32(0).s32(-223); // SetEncodings Raw, DesktopSize
    w.u8(255).u8(0).u16(0).u32(0x61).u32(0x1e); // QEMU extended key event, up
    const bytes = w.toBuffer();
    for (const chunk of [1, 2, 3, 7, bytes.length]) {
      const { ch, events, s } = normal(chunk);
      ch.deliver(bytes, chunk);
      expect(events).toEqual(['key down ff0d', 'pointer 1 7,9', 'cut héllo', 'key up 61']);
      expect(s.encodings).toEqual([0, -223]);
      expect(s.state).toBe('Normal');
    }
  });

  it('answers a non-incremental request with Raw pixels in the client format (RGB565 big-endian)', () => {
    const { ch, host } = normal();
    const w = new ByteWriter().u8(0).pad(3);
    writePixelFormat(w, PF_RGB565_BE);
    w.u8(3).u8(0).u16(1).u16(2).u16(2).u16(1); // FramebufferUpdateRequest full, 2x1 at (1,2)
    ch.deliver(w.toBuffer(), 1);
    const out = ch.take();
    // header, one rect: chunk-aligned x=0..16 on row 2
    expect(out.subarray(0, 4).equals(hex('00 00 0001'))).toBe(true);
    expect(out.subarray(4, 16).equals(hex('0000 0002 0010 0001 00000000'))).toBe(true);
    const p = host.surface.data[2 * 32 + 1]!;
    const r = (p >>> 16) & 255, g = (p >>> 8) & 255, b = p & 255;
    const v = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
    expect(out.readUInt16BE(16 + 2)).toBe(v);
    expect(out.length).toBe(16 + 16 * 2);
  });

  it('holds an incremental request until something changes, then sends only that', () => {
    const { ch, s, host } = normal();
    ch.deliver(hex('03 01 0000 0000 0020 0010'));
    expect(ch.take().length).toBe(0);
    expect(s.wantsUpdate()).toBe(true);
    const changed = new DirtyRegion(32, 16);
    changed.addRect({ x: 20, y: 5, w: 1, h: 1 });
    s.onUpdate(changed);
    const out = ch.take();
    expect(out.subarray(0, 16).equals(hex('00 00 0001 0010 0005 0010 0001 00000000'))).toBe(true);
    expect(out.readUInt32LE(16 + 4 * 4)).toBe(host.surface.data[5 * 32 + 20]);
    expect(s.wantsUpdate()).toBe(false);
    // a change while no request is outstanding waits for the next request
    s.onUpdate(changed);
    expect(ch.take().length).toBe(0);
    ch.deliver(hex('03 01 0000 0000 0020 0010'));
    expect(ch.take().length).toBe(16 + 16 * 4);
  });

  it('rejects SetPixelFormat with bpp 24', () => {
    const { ch, s } = normal();
    ch.deliver(hex('00 000000 18 18 00 01 00ff 00ff 00ff 10 08 00 000000'));
    expect(s.closeReason).toBe('RFB_ERR_BAD_PIXEL_FORMAT: bad pixel format: bits-per-pixel 24 (must be 8, 16 or 32)');
  });

  it('rejects an unknown message type', () => {
    const { ch, s } = normal();
    ch.deliver(hex('07'));
    expect(s.closeReason).toBe('RFB_ERR_UNKNOWN_MESSAGE: unknown client message type 7');
    expect(s.closeError?.code).toBe('RFB_ERR_UNKNOWN_MESSAGE');
  });

  it('keeps no coded error when the client just goes away', () => {
    const { ch, s } = normal();
    ch.destroy();
    expect(s.state).toBe('Closed');
    expect(s.closeReason).toBe('connection closed by client');
    expect(s.closeError).toBeNull();
  });

  it('refuses ClientCutText beyond the limit from its header, before the text arrives', () => {
    const { ch, s } = normal();
    ch.deliver(hex('06 000000 7fffffff'));
    expect(s.closeReason).toBe('RFB_ERR_MESSAGE_TOO_LARGE: ClientCutText of 2147483647 bytes (limit 100)');
  });

  it('clamps pointer coordinates to the framebuffer', () => {
    const { ch, events } = normal();
    ch.deliver(hex('05 00 ffff ffff'));
    expect(events).toEqual(['pointer 0 31,15']);
  });

  it('closes a client without DesktopSize when the size really changes, with the reason', () => {
    const { s } = normal();
    s.onResize(new Surface(32, 16)); // same size: nothing to say
    expect(s.state).toBe('Normal');
    s.onResize(new Surface(64, 16));
    expect(s.closeReason).toBe('RFB_ERR_RESIZE_UNSUPPORTED: the guest changed its screen to 64x16 and this client does not support the DesktopSize pseudo-encoding');
  });
});
