// One deflate pool per server: createVncServer({ deflateThreads }) gives each server its own
// workers, a large ZRLE rectangle is deflated on them, and closing one server ends its pool only.
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RfbClient } from '../../client/headless/rfb-client.js';
import { FramebufferSource } from '../../src/display/framebuffer-source.js';
import { createVncServer, VncServerOptionError, type VncServer } from '../../src/index.js';
import { EncodingType } from '../../src/rfb/wire/encodings.js';

const servers: VncServer[] = [];
const clients: RfbClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function serve(deflateThreads: number) {
  const fb = new FramebufferSource(640, 480);
  fb.rgba.set(crypto.randomBytes(fb.rgba.length)); // noise: ZRLE input far above the pool's threshold
  for (let i = 3; i < fb.rgba.length; i += 4) fb.rgba[i] = 255;
  fb.markDirty(0, 0, 640, 480);
  const server = await createVncServer({ source: fb, listen: { vnc: { port: 0 } }, deflateThreads });
  servers.push(server);
  return { fb, server };
}

const exact = (c: RfbClient, fb: FramebufferSource) => {
  for (let i = 0; i < fb.rgba.length; i += 4) for (let k = 0; k < 3; k++) if (c.fb.rgba[i + k] !== fb.rgba[i + k]) return false;
  return true;
};

describe('createVncServer deflate pools', () => {
  it('each server has its own pool of the size asked for, used for large rectangles and closed with its server', async () => {
    const a = await serve(2);
    const b = await serve(1);
    expect(a.server.rfb.deflate).not.toBe(b.server.rfb.deflate);
    expect([a.server.rfb.deflate.size, b.server.rfb.deflate.size]).toEqual([2, 1]);
    await a.server.rfb.deflate.whenOnline(); // its workers booted, so the next large rectangle is cut up
    const c = await RfbClient.connect(a.server.vncUrl!, { encodings: [EncodingType.ZRLE, EncodingType.LastRect] });
    clients.push(c);
    await c.waitFirstFrame(10_000);
    expect(exact(c, a.fb)).toBe(true);
    expect(a.server.rfb.deflate.counters.onWorkers).toBeGreaterThan(0);
    expect(b.server.rfb.deflate.counters.pooled).toBe(0); // nobody used the other server's
    await a.server.close();
    servers.splice(servers.indexOf(a.server), 1);
    expect(a.server.rfb.deflate.closed).toBe(true);
    expect(b.server.rfb.deflate.closed).toBe(false);
    // the other server goes on serving
    const d = await RfbClient.connect(b.server.vncUrl!, { encodings: [EncodingType.ZRLE, EncodingType.LastRect] });
    clients.push(d);
    await d.waitFirstFrame(10_000);
    expect(exact(d, b.fb)).toBe(true);
  });

  it('refuses a bad deflateThreads naming the option', async () => {
    const fb = new FramebufferSource(64, 64);
    await expect(createVncServer({ source: fb, listen: { vnc: { port: 0 } }, deflateThreads: -1 })).rejects.toThrow(VncServerOptionError);
    await expect(createVncServer({ source: fb, listen: { vnc: { port: 0 } }, deflateThreads: 1.5 })).rejects.toThrow(/^deflateThreads must be an integer 0\.\.8, got 1\.5$/);
  });
});
