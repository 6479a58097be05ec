// The seam between a device and everything that serves it: what the display pipeline (and through it
// the RFB server, the screenshot endpoint and tests) sees of a display. QEMU's GraphicHwOps in our
// words: `update()` is gfx_update, `invalidate()` is vga_invalidate_display, `onChange` is the
// doorbell. vramvnc's VGA device is one source (vga/vga-display.ts); an embedder's own framebuffer
// that only reports dirty rectangles is another (display/framebuffer-source.ts).
import type { DirtyRegion } from './dirty-region.js';
import type { Surface } from './surface.js';

/** What one update() found: whether the surface was replaced, and what changed on it. */
export interface SourceUpdate {
  resized: boolean;
  /** The changed chunks (reused by the source: consume before the next update()). */
  region: DirtyRegion;
}

/** A cursor shape for the Cursor pseudo-encoding: RGBA pixels and a hotspot. */
export interface CursorShape {
  width: number;
  height: number;
  hotX: number;
  hotY: number;
  /** width * height RGBA pixels; alpha 0 is transparent. */
  rgba: Uint8Array;
}

export interface DisplaySource {
  /** The current picture: size, 32-bit pixels (0xAABBGGRR in memory as RGBA bytes). */
  readonly surface: Surface;
  /** Bring the surface up to date and say what changed since the last call. */
  update(): SourceUpdate;
  /** Make the next update() report the whole surface. */
  invalidate(): void;
  /**
   * The doorbell: the source calls this when something may have changed (set by the pipeline).
   * `fromTimer`: rung from a timer of the source's own (a blink toggle), outside any guest code,
   * so the pipeline may refresh right away rather than after the current task.
   */
  onChange: ((fromTimer?: boolean) => void) | null;
  /**
   * True while nothing can change without onChange being called: the pipeline may sleep. A source
   * that is never quiescent is polled at the refresh interval while a viewer waits.
   */
  readonly quiescent: boolean;
  /**
   * Refresh once after this long without a change, even without a doorbell (a dirty tracker needs
   * that quiet query to drop), or null. Asked after each update.
   */
  readonly idleCheckMs: number | null;
  /** Whether onChange rings for every change; if not, the pipeline polls while viewers wait. */
  readonly canNotify: boolean;
  /** SetDesktopSize from a client (ExtendedDesktopSize status: 0 done, 1 prohibited, 2 out of resources, 3 invalid). */
  requestResize?(width: number, height: number, screens: number): number;
  /** The guest's pointer shape, when it has one to send as a Cursor pseudo-encoding. */
  cursor?(): CursorShape | null;
  /** Counters the source owns (for /stats). */
  readonly counters: object;
}
