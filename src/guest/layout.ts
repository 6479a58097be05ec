// The screen the VBE guests (idle, desktop, video) share: its size and where the desktop's clock is.
export const DEFAULT_WIDTH = 1024;
export const DEFAULT_HEIGHT = 768;
/** The clock's box: at most 240x48 pixels, redrawn once a second. */
export const CLOCK_BOX = { x: DEFAULT_WIDTH - 240 - 16, y: DEFAULT_HEIGHT - 28 - 48 - 8, w: 240, h: 48 };
