// SetDesktopSize for a machine whose display is our VGA device: the guest's VBE mode reprogrammed
// through the DISPI ports (QEMU's ui_info path ends in the device model, not in the RFB code).
import type { PortBus } from '../hypervisor/io.js';
import { checkDesktopSize, ResizeStatus } from '../rfb/encodings/pseudo.js';
import { setVbeMode, VBE_DISPI_MAX_XRES, VBE_DISPI_MAX_YRES, type VbeRegisters } from '../vga/vbe.js';

/**
 * Answer SetDesktopSize by reprogramming the guest's VBE mode through the DISPI ports 0x1CE/0x1CF
 * (keeping its depth and VRAM contents), when the size fits; else the status saying why not.
 */
export function vbeResize(io: PortBus, vbe: VbeRegisters, width: number, height: number, screens: number): number {
  const mode = vbe.mode();
  if (!mode) return ResizeStatus.Prohibited; // no graphics mode to resize
  const status = checkDesktopSize(width, height, screens, {
    maxWidth: VBE_DISPI_MAX_XRES,
    maxHeight: VBE_DISPI_MAX_YRES,
    vramBytes: vbe.vramSize,
    bytesPerPixel: mode.bytesPerPixel,
  });
  if (status !== ResizeStatus.Ok) return status;
  setVbeMode(io, width, height, mode.bpp, true);
  const now = vbe.mode();
  return now && now.width === width && now.height === height ? ResizeStatus.Ok : ResizeStatus.OutOfResources;
}
