// The VGA guests in one place (each lives in its own file).
export { biosGuest, drawBiosScreen } from './bios.js';
export { Set1Decoder, terminalGuest, TextConsole } from './terminal.js';
export { drawMode13Picture, mode13Guest, mode13Palette } from './mode13.js';
export { drawPlanarPicture, planarGuest } from './planar.js';
export { enterCycleStep, MODE_CYCLE, modesGuest, type CycleStep } from './modes.js';
