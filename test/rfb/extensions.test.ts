// The protocol extensions noVNC 1.7 asks for, on the wire: QEMU LED state (-261), ExtendedMouseButtons
// (-316), ExtendedClipboard (0xC0A1E5CE) with the plain ServerCutText fallback.
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { idleGuest } from '../../src/guest/programs.js';
import { connect, sleep, startApp } from '../helpers/app.js';
import { ALL_CLIENT_ENCODINGS } from '../../client/headless/rfb-client.js';
import { readServerInit, Wire } from '../security/wire.js';

let app: VramVnc | null = null;
let logs: string[] = [];
afterEach(async () => {
  await app?.stop();
  app = null;
});

async function session(encodings: number[]): Promise<Wire> {
  if (!app) {
    logs = [];
    app = await startApp(idleGuest, { log: (l) => logs.push(l) });
  }
  const w = await Wire.connect(Wire.portOf(app.vncUrl!));
  await w.read(12);
  w.write('RFB 003.008\n');
  await w.read(2); // one type: None
  w.write(Buffer.from([1]));
  await w.read(4);
  w.write(Buffer.from([1]));
  await readServerInit(w);
  const m = Buffer.alloc(4 + 4 * encodings.length);
  m.writeUInt8(2, 0);
  m.writeUInt16BE(encodings.length, 2);
  encodings.forEach((e, i) => m.writeInt32BE(e, 4 + 4 * i));
  w.write(m);
  return w;
}

/** Request an update and read its rectangles' headers (pseudo-rectangles carry their small bodies). */
async function update(w: Wire): Promise<{ enc: number; body: Buffer }[]> {
  w.write(Buffer.from([3, 1, 0, 0, 0, 0, 4, 0, 3, 0])); // incremental, whole screen
  const head = await w.read(4);
  expect(head[0]).toBe(0);
  const n = head.readUInt16BE(2);
  const out: { enc: number; body: Buffer }[] = [];
  for (let i = 0; i < n; i++) {
    const r = await w.read(12);
    const enc = r.readInt32BE(8);
    out.push({ enc, body: enc === -261 ? await w.read(1) : Buffer.alloc(0) });
  }
  return out;
}

const EXT_CLIPBOARD = 0xc0a1e5ce | 0;
const Caps = 1 << 24;
const Request = 1 << 25;
const Peek = 1 << 26;
const Notify = 1 << 27;
const Provide = 1 << 28;

function clientCut(flags: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  const m = Buffer.alloc(12 + data.length);
  m.writeUInt8(6, 0);
  m.writeInt32BE(-(4 + data.length), 4);
  m.writeUInt32BE(flags >>> 0, 8);
  Buffer.from(data).copy(m, 12);
  return m;
}

/** One extended ServerCutText: its flags and the rest. */
async function serverCut(w: Wire): Promise<{ flags: number; rest: Buffer }> {
  const h = await w.read(8);
  expect(h[0]).toBe(3);
  const len = h.readInt32BE(4);
  expect(len).toBeLessThan(0);
  const body = await w.read(-len);
  return { flags: body.readUInt32BE(0), rest: body.subarray(4) };
}

function textPayload(text: string): Buffer {
  const t = Buffer.from(`${text}\0`, 'utf8');
  const size = Buffer.alloc(4);
  size.writeUInt32BE(t.length);
  return zlib.deflateSync(Buffer.concat([size, t]));
}

describe('QEMU LED state (-261)', () => {
  it("sends the guest keyboard's LEDs once asked, and again when the guest sets them", async () => {
    const w = await session([0, -261]);
    expect(await update(w)).toEqual([{ enc: -261, body: Buffer.from([0]) }]);
    app!.kbc.writeData(0xed); // the guest: set LEDs ...
    app!.kbc.writeData(0x04); // ... Caps Lock
    expect(await update(w)).toEqual([{ enc: -261, body: Buffer.from([4]) }]);
    app!.kbc.writeData(0xed);
    app!.kbc.writeData(0x03); // Scroll + Num
    expect(await update(w)).toEqual([{ enc: -261, body: Buffer.from([3]) }]);
    w.close();
  });
});

describe('ExtendedMouseButtons (-316)', () => {
  it('is announced, then 7-byte PointerEvents carry back and forward to the guest input', async () => {
    const w = await session([0, -316]);
    expect(await update(w)).toEqual([{ enc: -316, body: Buffer.alloc(0) }]);
    const seen: number[] = [];
    app!.input.onEvent((e) => e.kind === 'pointer' && seen.push(e.buttonMask));
    w.write(Buffer.from([5, 0x80 | 1, 0, 10, 0, 20, 0x01])); // left + back
    w.write(Buffer.from([5, 0x80, 0, 10, 0, 20, 0x02])); // forward
    w.write(Buffer.from([5, 0x04, 0, 11, 0, 21])); // an ordinary 6-byte event still works: right
    for (let i = 0; i < 100 && seen.length < 3; i++) await sleep(10);
    expect(seen).toEqual([0x81, 0x100, 0x04]);
    w.close();
  });

  it('a client that was not told keeps 6-byte PointerEvents (bit 7 is button 8)', async () => {
    const w = await session([0]);
    const seen: number[] = [];
    app!.input.onEvent((e) => e.kind === 'pointer' && seen.push(e.buttonMask));
    w.write(Buffer.from([5, 0x80, 0, 10, 0, 20]));
    w.write(Buffer.from([5, 0x01, 0, 10, 0, 20]));
    for (let i = 0; i < 100 && seen.length < 2; i++) await sleep(10);
    expect(seen).toEqual([0x80, 0x01]);
    w.close();
  });
});

describe('ExtendedClipboard (0xC0A1E5CE)', () => {
  it('announces its caps; the client notifies, the server requests, the client provides UTF-8 text', async () => {
    const w = await session([0, EXT_CLIPBOARD]);
    const caps = await serverCut(w);
    expect(caps.flags >>> 24).toBe((Caps | Request | Peek | Notify | Provide) >>> 24);
    expect(caps.flags & 0xffff).toBe(1); // text only
    expect(caps.rest.readUInt32BE(0)).toBe(1024 * 1024); // the text size it takes (--max-cut-text)
    w.write(clientCut(Caps | Request | Peek | Notify | Provide | 1, Buffer.alloc(4)));
    w.write(clientCut(Notify | 1));
    expect((await serverCut(w)).flags >>> 0).toBe((Request | 1) >>> 0);
    w.write(clientCut(Provide | 1, textPayload('grüße\r\n✓ done')));
    for (let i = 0; i < 100 && app!.input.clipboard !== 'grüße\n✓ done'; i++) await sleep(10);
    expect(app!.input.clipboard).toBe('grüße\n✓ done');
    w.close();
  });

  it("offers the guest's clipboard with notify, provides it on request (CRLF, NUL-terminated UTF-8), answers peek", async () => {
    const w = await session([0, EXT_CLIPBOARD]);
    await serverCut(w); // caps
    w.write(clientCut(Caps | Request | Peek | Notify | Provide | 1, Buffer.alloc(4)));
    w.write(clientCut(Peek | 1));
    expect((await serverCut(w)).flags >>> 0).toBe(Notify >>> 0); // nothing on the guest clipboard yet
    await sleep(50);
    app!.input.setGuestClipboard('line 1\nline ✓');
    expect((await serverCut(w)).flags >>> 0).toBe((Notify | 1) >>> 0);
    w.write(clientCut(Request | 1));
    const p = await serverCut(w);
    expect(p.flags >>> 0).toBe((Provide | 1) >>> 0);
    const raw = zlib.inflateSync(p.rest);
    expect(raw.readUInt32BE(0)).toBe(raw.length - 4);
    expect(raw.subarray(4).toString('utf8')).toBe('line 1\r\nline ✓\0');
    w.close();
  });

  it('a client without it gets plain Latin-1 ServerCutText; an extended ClientCutText from it is refused', async () => {
    const w = await session([0]);
    await sleep(50);
    app!.input.setGuestClipboard('plain é');
    const h = await w.read(8);
    expect([h[0], h.readInt32BE(4)]).toEqual([3, 7]);
    expect((await w.read(7)).toString('latin1')).toBe('plain é');
    w.write(clientCut(Notify | 1));
    await w.readToClose();
    for (let i = 0; i < 100 && !logs.some((l) => l.includes('closed:')); i++) await sleep(10);
    expect(logs.find((l) => l.includes('closed:'))).toMatch(/RFB_ERR_MESSAGE_TOO_LARGE: ClientCutText of \d+ bytes/);
  });

  it('a provide that does not inflate, or claims more than the limit, closes with a reason; others keep going', async () => {
    const w = await session([0, EXT_CLIPBOARD]);
    await serverCut(w);
    w.write(clientCut(Provide | 1, Buffer.from('not zlib at all')));
    await w.readToClose();
    const big = await session([0, EXT_CLIPBOARD]);
    await serverCut(big);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(64 * 1024 * 1024);
    big.write(clientCut(Provide | 1, zlib.deflateSync(Buffer.concat([size, Buffer.alloc(1000)]))));
    await big.readToClose();
    for (let i = 0; i < 100 && logs.filter((l) => l.includes('closed:')).length < 2; i++) await sleep(10);
    const closed = logs.filter((l) => l.includes('closed:')).join('\n');
    expect(closed).toMatch(/RFB_ERR_BAD_CLIPBOARD: extended clipboard data does not inflate/);
    expect(closed).toMatch(/RFB_ERR_MESSAGE_TOO_LARGE: extended clipboard text of 67108864 bytes \(limit 1048576\)/);
  });
});

describe('the headless client with these extensions', () => {
  it('reads the LEDs, sends back/forward, and carries Unicode clipboard text both ways', async () => {
    app = await startApp(idleGuest);
    const c = await connect(app, { encodings: [...ALL_CLIENT_ENCODINGS, -261, -316, EXT_CLIPBOARD] });
    try {
      await c.waitFirstFrame();
      for (let i = 0; i < 100 && (c.leds === null || !c.extendedMouseButtons); i++) await sleep(10);
      expect(c.leds).toBe(0);
      expect(c.extendedMouseButtons).toBe(true);
      app.kbc.writeData(0xed);
      app.kbc.writeData(0x06); // Num + Caps
      for (let i = 0; i < 100 && c.leds !== 6; i++) await sleep(10);
      expect(c.leds).toBe(6);
      const masks: number[] = [];
      app.input.onEvent((e) => e.kind === 'pointer' && masks.push(e.buttonMask));
      c.pointerEvent(0x80, 5, 5);
      c.pointerEvent(0x101, 5, 5);
      c.pointerEvent(0, 5, 5);
      for (let i = 0; i < 100 && masks.length < 3; i++) await sleep(10);
      expect(masks).toEqual([0x80, 0x101, 0]);
      // the client's caps went back after the server's: notify → request → provide
      await sleep(50);
      c.cutText('client ✓ text\nline 2');
      for (let i = 0; i < 100 && app.input.clipboard !== 'client ✓ text\nline 2'; i++) await sleep(10);
      expect(app.input.clipboard).toBe('client ✓ text\nline 2');
      const got = new Promise<string>((resolve) => c.once('cuttext', resolve));
      app.input.setGuestClipboard('guest ✓ text');
      expect(await got).toBe('guest ✓ text');
    } finally {
      c.close();
    }
  });
});
