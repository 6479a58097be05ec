// The screen-testing API: connect to any VNC server, assert needles, wait on the screen, type and click.
export { connect, resolveNeedles, Screen, ScreenMatchError } from './session.js';
export type { CheckResult, ConnectOptions, MouseButton, NeedleInput, ScreenChange, ScreenMatch } from './session.js';
export {
  createNeedle,
  DEFAULT_MARGIN,
  DEFAULT_MATCH_LEVEL,
  describeMatch,
  diffImage,
  findNeedles,
  loadNeedle,
  loadNeedleDir,
  matchNeedle,
  matchNeedles,
  NeedleError,
  needlesWithTag,
  needleToJson,
  mseForLevel,
  similarityOfMse,
  saveNeedle,
  writeMatchFailure,
} from './needle.js';
export type { AreaMatch, FailureFiles, Needle, NeedleArea, NeedleJson, NeedleMatch } from './needle.js';
export { copyImage, encodePng, fillRect, readPng } from './image.js';
export type { Rect, RgbaImage } from './image.js';
export { charKeysym, keysymOf, parseKeyCombo } from '../../src/rfb/wire/keysyms.js';
