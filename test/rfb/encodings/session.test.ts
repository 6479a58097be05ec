// Each encoding and pseudo-encoding end to end: a real vramvnc on loopback, the headless client
// decoding, its picture compared with /screenshot.png.
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../../src/app.js';
import { drawText } from '../../../src/guest/draw.js';
import { Fb32, setVbeMode, type GuestProgram } from '../../../src/guest/guest.js';
import path from 'node:path';
import { desktopGuest, idleGuest, imageGuest } from '../../../src/guest/programs.js';
import { TextConsole } from '../../../src/guest/terminal.js';
import { VgaBios } from '../../../src/guest/vga-bios.js';
import { ByteWriter } from '../../../src/rfb/wire/byte-writer.js';
import { EncodingType } from '../../../src/rfb/wire/encodings.js';
import { PaletteColourMap } from '../../../src/rfb/encodings/colour-map.js';
import { VBE_DISPI_INDEX_Y_OFFSET, VBE_DISPI_IOPORT_DATA, VBE_DISPI_IOPORT_INDEX } from '../../../src/vga/vbe.js';
import { ALL_CLIENT_ENCODINGS, type RfbClient, type UpdateInfo } from '../../../client/headless/rfb-client.js';
import type { CursorDecoder, DesktopNameDecoder, EmptyDecoder } from '../../../client/headless/decoders/pseudo.js';
import { clientImage, connect, countDiff, fetchScreenshot, startApp } from '../../helpers/app.js';
import { FORMATS } from './roundtrip.js';

let app: VramVnc | null = null;
const clients: RfbClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await app?.stop();
  app = null;
});

async function open(a: VramVnc, opts: Parameters<typeof connect>[1] = {}): Promise<RfbClient> {
  const c = await connect(a, opts);
  clients.push(c);
  return c;
}

/** Wait until the client shows exactly the server's screenshot. */
async function converges(c: RfbClient, a: VramVnc): Promise<number> {
  let diff = Infinity;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const truth = await fetchScreenshot(a);
    diff = countDiff(clientImage(c), truth);
    if (diff === 0) return 0;
    await c.nextUpdate(1000).catch(() => {});
  }
  return diff;
}

const PSEUDO = [EncodingType.DesktopSize, EncodingType.ExtendedDesktopSize, EncodingType.LastRect];

describe('every encoding end to end, against /screenshot.png', () => {
  const cases: [string, number[]][] = [
    ['Raw', [EncodingType.Raw]],
    ['RRE', [EncodingType.RRE]],
    ['Hextile', [EncodingType.Hextile]],
    ['Zlib', [EncodingType.Zlib]],
    ['ZRLE', [EncodingType.ZRLE]],
    ['Tight', [EncodingType.Tight]],
    ['TightPNG', [EncodingType.TightPNG]],
    ['Tight at CompressLevel 9', [EncodingType.Tight, EncodingType.CompressLevel0 + 9]],
  ];
  for (const [name, list] of cases) {
    it(`${name}: the desktop guest (clock ticking) converges to the screenshot`, async () => {
      app = await startApp(desktopGuest);
      const c = await open(app, { encodings: [...list, ...PSEUDO] });
      await c.waitFirstFrame();
      expect(await converges(c, app)).toBe(0);
      // the first update used the asked encoding (not only Raw fallbacks)
      const used = new Set<number>();
      c.on('update', (u: UpdateInfo) => u.rects.forEach((r) => used.add(r.encoding)));
      await c.nextUpdate(3000); // the clock redraws once a second
      expect([...used].some((e) => list.includes(e)), `encodings used: ${[...used]}`).toBe(true);
    });
  }

  it('16 bpp and colour-map clients see what a Raw client in their format sees', async () => {
    app = await startApp(idleGuest);
    for (const fmt of ['rgb565-be', 'colour-map', 'rgb332']) {
      const pf = FORMATS[fmt]!;
      const raw = await open(app, { encodings: [EncodingType.Raw], pixelFormat: pf });
      const zrle = await open(app, { encodings: [EncodingType.ZRLE], pixelFormat: pf });
      const tight = await open(app, { encodings: [EncodingType.Tight], pixelFormat: pf });
      await Promise.all([raw.waitFirstFrame(), zrle.waitFirstFrame(), tight.waitFirstFrame()]);
      expect(countDiff(clientImage(zrle), clientImage(raw)), fmt).toBe(0);
      expect(countDiff(clientImage(tight), clientImage(raw)), fmt).toBe(0);
      if (!pf.trueColour) expect(raw.fb.colourMap.length).toBe(256);
    }
  });

  it('Tight clients share JPEG and fill rectangles (no stream state) and still see the same picture', async () => {
    app = await startApp(imageGuest(path.resolve('fixtures/frames/photo.png')));
    const list = [EncodingType.Tight, EncodingType.QualityLevel0 + 6, ...PSEUDO];
    // a client alone has nobody to share with (nothing is cached for it); the second one's bytes are
    const a = await open(app, { encodings: list });
    await a.waitFirstFrame();
    const b = await open(app, { encodings: list });
    await b.waitFirstFrame();
    const before = app.rfb.encodeCache.hits;
    const c = await open(app, { encodings: list });
    await c.waitFirstFrame();
    expect(app.rfb.encodeCache.hits).toBeGreaterThan(before);
    expect(countDiff(clientImage(a), clientImage(b))).toBe(0);
    expect(countDiff(clientImage(c), clientImage(b))).toBe(0);
  });

  it('a CompressLevel change mid-session resets the Tight streams (control bits) and the picture stays exact', async () => {
    app = await startApp(desktopGuest);
    const c = await open(app, { encodings: [EncodingType.Tight, EncodingType.CompressLevel0 + 1, ...PSEUDO] });
    await c.waitFirstFrame();
    c.setEncodings([EncodingType.Tight, EncodingType.CompressLevel0 + 9, ...PSEUDO]);
    c.requestUpdate(false);
    expect(await converges(c, app)).toBe(0);
    await c.nextUpdate(3000); // a clock tick through the new streams
    expect(await converges(c, app)).toBe(0);
  });

  it('colour-map clients get the guest palette through the colourMap hook, again when it changes', async () => {
    const grey = Array.from({ length: 256 }, (_, i) => [i, i, i] as [number, number, number]);
    const map = new PaletteColourMap(grey);
    app = await startApp(desktopGuest, { rfb: { colourMap: map } });
    const pf = FORMATS['colour-map']!;
    const c = await open(app, { encodings: [EncodingType.ZRLE, ...PSEUDO], pixelFormat: pf });
    await c.waitFirstFrame();
    expect(c.fb.colourMap[200]).toEqual([200, 200, 200]);
    map.set(Array.from({ length: 256 }, (_, i) => [i, 255 - i, 0] as [number, number, number]));
    await c.nextUpdate(3000);
    expect(c.fb.colourMap[200]).toEqual([200, 55, 0]);
    const raw = await open(app, { encodings: [EncodingType.Raw, ...PSEUDO], pixelFormat: pf });
    await raw.waitFirstFrame();
    await c.waitUntil(() => countDiff(clientImage(c), clientImage(raw)) === 0, 5000);
  });

  it('two clients in the same format share encoded rectangles', async () => {
    app = await startApp(idleGuest);
    const a = await open(app, { encodings: [EncodingType.Hextile] });
    await a.waitFirstFrame();
    expect(app.rfb.encodeCache.size).toBe(0); // alone: nothing copied into the cache
    const b = await open(app, { encodings: [EncodingType.Hextile] });
    await b.waitFirstFrame();
    const c = await open(app, { encodings: [EncodingType.Hextile] });
    await c.waitFirstFrame();
    expect(app.rfb.encodeCache.hits).toBeGreaterThan(0);
    expect(countDiff(clientImage(a), clientImage(b))).toBe(0);
    expect(countDiff(clientImage(a), clientImage(c))).toBe(0);
  });
});

describe('pseudo-encodings', () => {
  it('announces ExtendedDesktopSize, DesktopName, Cursor and the QEMU key event in the first update', async () => {
    app = await startApp(idleGuest);
    const c = await open(app, { encodings: [EncodingType.ZRLE, ...ALL_CLIENT_ENCODINGS] });
    const first = await c.nextUpdate();
    const encs = first.rects.map((r) => r.encoding);
    expect(encs).toContain(EncodingType.ExtendedDesktopSize);
    expect(encs).toContain(EncodingType.DesktopName);
    expect(encs).toContain(EncodingType.Cursor);
    expect(encs).toContain(EncodingType.QemuExtendedKeyEvent);
    expect((c.decoders.get(EncodingType.DesktopName) as DesktopNameDecoder).name).toBe('vramvnc (idle)');
    const cur = (c.decoders.get(EncodingType.Cursor) as CursorDecoder).shape!;
    expect([cur.width, cur.height, cur.hotX, cur.hotY]).toEqual([10, 17, 0, 0]);
    expect((c.decoders.get(EncodingType.QemuExtendedKeyEvent) as EmptyDecoder).seen).toBe(1);
  });

  const setDesktopSize = (w: number, h: number, screens = 1) => {
    const b = new ByteWriter().u8(251).pad(1).u16(w).u16(h).u8(screens).pad(1);
    for (let i = 0; i < screens; i++) b.u32(i).u16(0).u16(0).u16(w).u16(h).u32(0);
    return b.toBuffer();
  };

  it('SetDesktopSize switches the guest VBE mode: reason 1 to the asker, reason 2 to the others', async () => {
    app = await startApp(idleGuest);
    const asker = await open(app, { encodings: [EncodingType.Tight, ...PSEUDO] });
    const other = await open(app, { encodings: [EncodingType.Tight, ...PSEUDO] });
    await asker.waitFirstFrame();
    await other.waitFirstFrame();
    const result = new Promise<number>((resolve) => asker.once('resizeResult', (status: number) => resolve(status)));
    const otherSaw = other.nextUpdate();
    asker.sendRaw(setDesktopSize(800, 600));
    expect(await result).toBe(0);
    const u = await otherSaw;
    expect(u.rects[0]).toMatchObject({ encoding: EncodingType.ExtendedDesktopSize, x: 2, y: 0, w: 800, h: 600 });
    expect(app.device.vbe.mode()).toMatchObject({ width: 800, height: 600, bpp: 32 });
    expect([asker.width, asker.height]).toEqual([800, 600]);
    expect(await converges(asker, app)).toBe(0);
    expect(await converges(other, app)).toBe(0);
  });

  it('SetDesktopSize that cannot be a VBE mode gets the proper status and changes nothing', async () => {
    app = await startApp(idleGuest);
    const c = await open(app, { encodings: [EncodingType.Raw, ...PSEUDO] });
    await c.waitFirstFrame();
    const ask = async (msg: Buffer) => {
      const r = new Promise<number>((resolve) => c.once('resizeResult', (s: number) => resolve(s)));
      c.sendRaw(msg);
      return r;
    };
    expect(await ask(setDesktopSize(801, 600))).toBe(3); // invalid screen layout: width not a multiple of 8
    expect(await ask(setDesktopSize(800, 600, 2))).toBe(3); // two screens
    expect(await ask(setDesktopSize(2560, 1600))).toBe(2); // out of resources: 16 MB > 8 MB of VRAM
    expect(app.device.vbe.mode()).toMatchObject({ width: 1024, height: 768 });
  });

  it('answers a Fence request with the same payload and the request bit cleared', async () => {
    app = await startApp(idleGuest);
    const c = await open(app, { encodings: [EncodingType.Raw, EncodingType.Fence] });
    const fences: [number, Buffer][] = [];
    c.on('fence', (flags: number, payload: Buffer) => fences.push([flags, payload]));
    await c.waitFirstFrame();
    expect(fences[0]![0] >>> 0).toBe(0x80000000); // the server's own request announces Fence
    c.sendRaw(new ByteWriter().u8(248).pad(3).u32(0x80000007).u8(3).bytes(Buffer.from('abc')).toBuffer());
    for (let i = 0; i < 50 && fences.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fences[1]![0]).toBe(7);
    expect(fences[1]![1].toString()).toBe('abc');
  });

  it('ContinuousUpdates: EndOfContinuousUpdates announces it; enabled, updates flow without requests', async () => {
    app = await startApp(desktopGuest);
    const c = await open(app, { encodings: [EncodingType.ZRLE, EncodingType.ContinuousUpdates, ...PSEUDO], autoUpdate: false });
    let ends = 0;
    c.on('endcontinuous', () => ends++);
    await c.waitFirstFrame();
    expect(ends).toBe(1);
    c.sendRaw(new ByteWriter().u8(150).u8(1).u16(0).u16(0).u16(1024).u16(768).toBuffer());
    // the clock ticks every second: two updates arrive without any FramebufferUpdateRequest
    await c.nextUpdate(3000);
    await c.nextUpdate(3000);
    expect(await converges(c, app)).toBe(0);
    c.sendRaw(new ByteWriter().u8(150).u8(0).u16(0).u16(0).u16(1024).u16(768).toBuffer());
    for (let i = 0; i < 100 && ends < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(ends).toBe(2);
  });

  it('the headless client with continuousUpdates turns them on when announced and stops asking (as TigerVNC)', async () => {
    app = await startApp(desktopGuest);
    const c = await open(app, { encodings: [EncodingType.ZRLE, EncodingType.ContinuousUpdates, ...PSEUDO], continuousUpdates: true });
    await c.waitFirstFrame();
    for (let i = 0; i < 100 && !c.continuous; i++) await new Promise((r) => setTimeout(r, 20));
    expect(c.continuous).toBe(true);
    let requests = 0;
    const request = c.requestUpdate.bind(c);
    c.requestUpdate = (...args) => {
      requests++;
      request(...args);
    };
    // the clock ticks every second: updates arrive, and the client asks for none of them
    await c.nextUpdate(3000);
    await c.nextUpdate(3000);
    expect(requests).toBe(0);
    expect(await converges(c, app)).toBe(0);
  });
});

/** A terminal: lines of text; scroll() moves everything up one 16-pixel line and writes a new one. */
function terminalGuest(): { guest: GuestProgram; scroll: () => void; pan: (y: number) => void } {
  const W = 640;
  const H = 480;
  let fb: Fb32 | null = null;
  let line = 0;
  let ctxRef: Parameters<GuestProgram['start']>[0] | null = null;
  const write = (row: number) => {
    fb!.fillRect(0, row * 16, W, 16, 0x000000);
    drawText(fb!, 4, row * 16 + 4, `LINE ${line} THE QUICK BROWN FOX ${(line * 7919) % 1000}`, 0xc0c0c0 ^ ((line * 0x10305) & 0x3f3f3f));
    line++;
  };
  return {
    guest: {
      name: 'terminal',
      start(ctx) {
        ctxRef = ctx;
        setVbeMode(ctx.io, W, H, 32);
        fb = new Fb32(ctx.mem, W, H * 2); // a second screen below, for panning
        for (let r = 0; r < (H * 2) / 16; r++) write(r);
      },
    },
    scroll() {
      const mem = ctxRef!.mem;
      const rows = mem.vram32.slice(16 * W, H * W);
      fb!.blit(0, 0, W, H - 16, rows);
      write(H / 16 - 1);
    },
    pan(y: number) {
      ctxRef!.io.outw(VBE_DISPI_IOPORT_INDEX, VBE_DISPI_INDEX_Y_OFFSET);
      ctxRef!.io.outw(VBE_DISPI_IOPORT_DATA, y);
    },
  };
}

describe('CopyRect where the screen really moved', () => {
  it('a terminal scrolling a line: CopyRect plus the new strip, picture exact', async () => {
    const t = terminalGuest();
    app = await startApp(t.guest);
    const c = await open(app, { encodings: [EncodingType.CopyRect, EncodingType.ZRLE, ...PSEUDO] });
    const noCopy = await open(app, { encodings: [EncodingType.ZRLE, ...PSEUDO] });
    await c.waitFirstFrame();
    await noCopy.waitFirstFrame();
    const next = c.nextUpdate();
    t.scroll();
    app.pipeline.kick();
    const u = await next;
    const copy = u.rects.find((r) => r.encoding === EncodingType.CopyRect);
    expect(copy).toMatchObject({ x: 0, y: 0, w: 640, h: 464 });
    const other = u.rects.filter((r) => r.encoding !== EncodingType.CopyRect);
    expect(other.every((r) => r.y >= 464)).toBe(true); // only the new line is sent as pixels
    expect(await converges(c, app)).toBe(0);
    expect(await converges(noCopy, app)).toBe(0);
  });

  it('a client that lags behind several scrolls still converges exactly (copies only from pixels it holds)', async () => {
    const t = terminalGuest();
    app = await startApp(t.guest);
    const c = await open(app, { encodings: [EncodingType.CopyRect, EncodingType.Hextile, ...PSEUDO], autoUpdate: false });
    await c.waitFirstFrame();
    for (let i = 0; i < 3; i++) {
      t.scroll();
      app.pipeline.refresh();
    }
    const next = c.nextUpdate();
    c.requestUpdate(true);
    const u = await next;
    expect(u.rects.filter((r) => r.encoding === EncodingType.CopyRect).length).toBe(1); // the first scroll only
    const truth = await fetchScreenshot(app);
    expect(countDiff(clientImage(c), truth)).toBe(0);
  });

  it('a text-mode console scrolling a row (the VGA text renderer) gets a CopyRect too', async () => {
    let con: TextConsole | null = null;
    const guest: GuestProgram = {
      name: 'text-console',
      start(ctx) {
        const bios = new VgaBios(ctx.io, ctx.mem);
        bios.setMode03();
        con = new TextConsole(bios, ctx);
        for (let i = 0; i < 25; i++) con.println(`line ${i}: text mode scrolls through the legacy window ${'='.repeat(i)}`);
      },
    };
    app = await startApp(guest);
    const c = await open(app, { encodings: [EncodingType.CopyRect, EncodingType.ZRLE, ...PSEUDO] });
    await c.waitFirstFrame();
    const next = c.nextUpdate();
    con!.println('a new line at the bottom');
    app.pipeline.kick();
    const u = await next;
    const copy = u.rects.find((r) => r.encoding === EncodingType.CopyRect);
    expect(copy).toBeDefined();
    expect(copy!.h).toBeGreaterThanOrEqual(16 * 20);
    expect(await converges(c, app)).toBe(0);
  });

  it('VBE panning (Y offset) is one CopyRect plus the newly shown rows', async () => {
    const t = terminalGuest();
    app = await startApp(t.guest);
    const c = await open(app, { encodings: [EncodingType.CopyRect, EncodingType.Tight, ...PSEUDO] });
    await c.waitFirstFrame();
    const next = c.nextUpdate();
    t.pan(48);
    const u = await next;
    const copy = u.rects.find((r) => r.encoding === EncodingType.CopyRect);
    expect(copy).toMatchObject({ x: 0, y: 0, w: 640, h: 480 - 48 });
    expect(u.bytes).toBeLessThan(640 * 48 * 4);
    expect(await converges(c, app)).toBe(0);
  });
});
