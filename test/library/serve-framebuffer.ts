// The README's library example, run by test/library/package.test.ts against the packed package:
// serve your own framebuffer, draw, and see exactly those pixels (and then only the change) in the
// headless client imported from the package.
import { createVncServer, FramebufferSource } from 'vramvnc';
import { RfbClient, type UpdateInfo } from 'vramvnc/client';
import { connect } from 'vramvnc/screen';

const fb = new FramebufferSource(320, 200);
const fill = (x0: number, y0: number, w: number, h: number, rgb: [number, number, number]) => {
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) fb.rgba.set([...rgb, 255], (y * fb.width + x) * 4);
  }
  fb.markDirty(x0, y0, w, h); // only this rectangle is encoded and sent
};
fill(0, 0, 320, 200, [0, 0, 128]);

const server = await createVncServer({ source: fb, listen: { vnc: { port: 0 } } });
const client = await RfbClient.connect(server.vncUrl!);
await client.waitFirstFrame(5000);
const same = (x: number, y: number) => {
  const i = (y * 320 + x) * 4;
  return [0, 1, 2].every((c) => client.fb.rgba[i + c] === fb.rgba[i + c]);
};
let exact = true;
for (let y = 0; y < 200; y++) for (let x = 0; x < 320; x++) exact &&= same(x, y);

const next = new Promise<UpdateInfo>((resolve) => client.once('update', resolve));
fill(96, 48, 48, 32, [255, 200, 0]); // (the server works in 16-pixel-wide chunks)
const update = await next;
let exactAfter = true;
for (let y = 0; y < 200; y++) for (let x = 0; x < 320; x++) exactAfter &&= same(x, y);
const rects = update.rects.map((r) => ({ x: r.x, y: r.y, w: r.w, h: r.h }));

// the screen-test API from the package, on the same server
const screen = await connect(server.vncUrl!);
const size = [screen.width, screen.height];
await screen.close();

client.close();
await server.close();
console.log(JSON.stringify({ exact, exactAfter, rects, size }));
