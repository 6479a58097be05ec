// Found by the hostile-guest fuzz test (seed -1145605966): the text cursor's shape (CRTC cursor
// start/end, 0x0A/0x0B) is not part of a cell's cached key, so a new shape must redraw the cursor's cell.
import { describe, expect, it } from 'vitest';
import { countDiff } from '../helpers/app.js';
import { bareDevice, surfaceRgba } from './helpers.js';

describe('the text cursor', () => {
  it('a new cursor start scanline (CRTC 0x0A) redraws the cursor cell', () => {
    const d = bareDevice(1);
    d.bios.setMode03();
    d.device.update();
    d.io.outw(0x3d4, 0x000a); // cursor start = 0: a full-height block
    const u = d.device.update();
    expect(countDiff(surfaceRgba(d.device.surface), surfaceRgba(d.device.screenshot()))).toBe(0);
    expect(u.region.isEmpty()).toBe(false);
  });
});
