// What the registers say is on screen: the mode (blank, text, legacy graphics, VBE) with its layout
// and a key that changes whenever the picture's geometry does; its name for logs; and the VGA-side
// programming that enabling VBE implies (QEMU's vbe_update_vgaregs).
import {
  AR_INDEX_PAS,
  AR_PLANE_ENABLE,
  CR_LINE_COMPARE,
  CR_MAX_SCAN,
  CR_MODE,
  CR_OFFSET,
  CR_H_DISP,
  CR_OVERFLOW,
  CR_V_DISP_END,
  GR06_GRAPHICS_MODE,
  GR_MISC,
  GR_MODE,
  SR01_SCREEN_OFF,
  SR04_CHN_4M,
  SR_CLOCK_MODE,
  SR_MEMORY_MODE,
  SR_PLANE_WRITE,
  type VgaRegisters,
} from './registers.js';
import { graphicsLayout, type GraphicsLayout } from './render/graphics-layout.js';
import { textLayout, type TextLayout } from './render/text.js';
import type { VbeMode, VbeRegisters } from './vbe.js';

export type DisplayMode =
  | { kind: 'blank'; width: number; height: number; key: string }
  | { kind: 'text'; width: number; height: number; key: string; text: TextLayout }
  | { kind: 'graphics'; width: number; height: number; key: string; gfx: GraphicsLayout }
  | { kind: 'vbe'; width: number; height: number; key: string; vbe: VbeMode };

/** What the registers say is on screen now; `blankSize` is the size a blank screen keeps. */
export function displayMode(regs: VgaRegisters, vbeRegs: VbeRegisters, vramSize: number, blankSize: { width: number; height: number }): DisplayMode {
  const vbe = vbeRegs.mode();
  if (vbe) {
    return {
      kind: 'vbe',
      width: vbe.width,
      height: vbe.height,
      vbe,
      key: `vbe:${vbe.width}x${vbe.height}:${vbe.bpp}:${vbe.stride}:${vbe.startByte}`,
    };
  }
  const blank = (): DisplayMode => {
    const w = blankSize.width;
    const h = blankSize.height;
    return { kind: 'blank', width: w, height: h, key: `blank:${w}x${h}` };
  };
  // QEMU blanks while the attribute controller's palette address source is clear (and, here,
  // while the sequencer's screen-off bit is set); a VBE mode is shown regardless (above), as
  // Bochs VBE drivers never touch the attribute controller.
  const { ar, sr, gr } = regs;
  if (!(regs.arIndex & AR_INDEX_PAS) || sr[SR_CLOCK_MODE]! & SR01_SCREEN_OFF) return blank();
  if (gr[GR_MISC]! & GR06_GRAPHICS_MODE) {
    const gfx = graphicsLayout(regs, vramSize);
    if (!gfx) return blank();
    return { kind: 'graphics', width: gfx.dispWidth, height: gfx.height, gfx, key: `gfx:${gfx.key}:${ar[AR_PLANE_ENABLE]}` };
  }
  const text = textLayout(regs, vramSize);
  if (!text) return blank();
  const key = `text:${text.cols}x${text.rows}:${text.cw}x${text.ch}:${text.rowBase[0]}:${text.rowBase[1] ?? 0}:${regs.lineCompare}:${text.fontBase.join(',')}:${text.lineGraphics}:${text.blinkEnable}`;
  return { kind: 'text', width: text.width, height: text.height, text, key };
}

/** A mode as logs and stats show it: "text 80x25 (720x400)", "VBE 1024x768x32". */
export function describeMode(m: DisplayMode | null): string {
  switch (m?.kind) {
    case 'vbe':
      return `VBE ${m.vbe.width}x${m.vbe.height}x${m.vbe.bpp}`;
    case 'text':
      return `text ${m.text.cols}x${m.text.rows} (${m.width}x${m.height})`;
    case 'graphics':
      return `VGA ${m.gfx.kind} ${m.width}x${m.height}`;
    default:
      return 'blank';
  }
}

/** QEMU reprograms the VGA side when VBE is enabled: graphics, 64 KiB window, chain 4, 8-bit pixels. */
export function programVgaForVbe(regs: VgaRegisters, m: VbeMode): void {
  const { gr, cr, sr } = regs;
  gr[GR_MISC] = (gr[GR_MISC]! & ~0x0c) | 0x04 | GR06_GRAPHICS_MODE;
  cr[CR_MODE]! |= 3;
  cr[CR_OFFSET] = (m.stride >>> 3) & 0xff;
  cr[CR_H_DISP] = ((m.width >>> 3) - 1) & 0xff;
  const h = m.height - 1;
  cr[CR_V_DISP_END] = h & 0xff;
  cr[CR_OVERFLOW] = (cr[CR_OVERFLOW]! & ~0x42) | ((h >> 7) & 0x02) | ((h >> 3) & 0x40);
  cr[CR_LINE_COMPARE] = 0xff;
  cr[CR_OVERFLOW]! |= 0x10;
  cr[CR_MAX_SCAN]! |= 0x40;
  let shiftControl: number;
  if (m.bpp === 4) {
    shiftControl = 0;
    sr[SR_CLOCK_MODE]! &= ~8;
  } else {
    shiftControl = 2;
    sr[SR_MEMORY_MODE]! |= SR04_CHN_4M;
    sr[SR_PLANE_WRITE]! |= 0x0f;
  }
  gr[GR_MODE] = (gr[GR_MODE]! & ~0x60) | (shiftControl << 5);
  cr[CR_MAX_SCAN]! &= ~0x9f;
}
