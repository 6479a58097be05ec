// The whole screen of a mode rendered at once, straight from VRAM and the registers (no caches):
// the device's screenshot, the ground truth tests compare against.
import { Surface } from '../../display/surface.js';
import { palette16, palette256 } from '../dac.js';
import type { DisplayMode } from '../display-mode.js';
import { AR_PLANE_ENABLE, type VgaRegisters } from '../registers.js';
import { drawLinear } from './linear.js';
import { drawByte8d2 } from './mode13.js';
import { drawCga2, drawPlanar4 } from './planar.js';
import { blinkPhases, renderText } from './text.js';

/** Render `mode` now; `now` (ms) sets the blink phases, `dac8bit` the VBE DAC width. */
export function renderScreen(mode: DisplayMode, vram: Uint8Array, regs: VgaRegisters, dac8bit: boolean, now: number): Surface {
  const s = new Surface(mode.width, mode.height);
  const tmp = new Uint32Array(mode.width);
  switch (mode.kind) {
    case 'text': {
      const { cursorOn, charsOn } = blinkPhases(now, regs.frameRate);
      renderText(s, vram, mode.text, palette16(regs, new Uint32Array(16)), cursorOn, charsOn);
      break;
    }
    case 'graphics': {
      const g = mode.gfx;
      const pal = g.kind === 'byte8' ? palette256(regs, false, new Uint32Array(256)) : palette16(regs, new Uint32Array(16));
      const double = g.dispWidth !== g.width;
      const pe = regs.ar[AR_PLANE_ENABLE]!;
      for (let y = 0; y < g.height; y++) {
        const addr = g.rowAddr[y]!;
        if (g.kind === 'planar4') drawPlanar4(vram, addr, pe, pal, tmp, 0, g.dispWidth, double);
        else if (g.kind === 'cga2') drawCga2(vram, addr, pe, pal, tmp, 0, g.dispWidth, double);
        else drawByte8d2(vram, addr, pal, tmp, 0, g.dispWidth);
        s.data.set(tmp.subarray(0, g.dispWidth), y * g.dispWidth);
      }
      break;
    }
    case 'vbe': {
      const m = mode.vbe;
      const pal = palette256(regs, dac8bit, new Uint32Array(256));
      const pal16 = palette16(regs, new Uint32Array(16));
      for (let y = 0; y < m.height; y++) {
        if (m.bpp === 4) drawPlanar4(vram, m.startByte + y * m.stride, 0xf, pal16, tmp, 0, m.width, false);
        else drawLinear(vram, m.startByte + y * m.stride, m.bpp, pal, tmp, 0, m.width);
        s.data.set(tmp.subarray(0, m.width), y * m.width);
      }
      break;
    }
    default:
      break; // blank: black
  }
  return s;
}
