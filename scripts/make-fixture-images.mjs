// Generates fixtures/images/*.png deterministically (run once; the PNGs are committed).
import fs from 'node:fs';
import { PNG } from 'pngjs';

function write(name, w, h, fn) {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, b] = fn(x, y);
      const o = (y * w + x) * 4;
      png.data[o] = r; png.data[o + 1] = g; png.data[o + 2] = b; png.data[o + 3] = 255;
    }
  fs.writeFileSync(`fixtures/images/${name}`, PNG.sync.write(png));
}

let s = 42;
const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
// photo-like: smooth colour fields, soft blobs and sensor-like noise
write('photo-320x240.png', 320, 240, (x, y) => {
  const cx = x - 200, cy = y - 90;
  const sun = Math.max(0, 1 - Math.hypot(cx, cy) / 70);
  const sky = y < 150 ? 1 - y / 150 : 0;
  const hill = y > 150 + 25 * Math.sin(x / 40) ? 1 : 0;
  const n = (rnd() - 0.5) * 18;
  const r = 60 + 150 * sky + 190 * sun + n - 30 * hill;
  const g = 90 + 120 * sky + 150 * sun + 60 * hill + n;
  const b = 140 + 110 * sky - 60 * hill + n;
  return [r, g, b].map((v) => Math.max(0, Math.min(255, Math.round(v))));
});
// an odd width (VBE rounds it up to a multiple of 8, padding black)
write('odd-203x61.png', 203, 61, (x, y) => [(x * 5) & 255, (y * 4) & 255, ((x ^ y) & 1) * 255]);
