// The screen-testing API: connect to any VNC server, assert needles, wait on the screen, type and click.
export { connect, resolveNeedles, Screen, ScreenMatchError } from './session.js';
export type { CheckResult, ConnectOptions, MouseButton, NeedleInput, ScreenChange, ScreenMatch } from './session.js';
export {
  createNeedle,
  DEFAULT_MARGIN,
  DEFAULT_MATCH_LEVEL,
  findNeedles,
  loadNeedle,
  loadNeedleDir,
  NeedleError,
  needlesWithTag,
  needleToJson,
  saveNeedle,
} from './needle.js';
export {
  describeMatch,
  diffImage,
  matchNeedle,
  matchNeedles,
  mseForLevel,
  similarityOfMse,
  writeMatchFailure,
} from './needle-match.js';
export type { Needle, NeedleArea, NeedleJson } from './needle.js';
export type { AreaMatch, FailureFiles, NeedleMatch } from './needle-match.js';
export { copyImage, encodePng, fillRect, readPng } from './image.js';
export type { Rect, RgbaImage } from './image.js';
export { charKeysym, keysymOf, parseKeyCombo } from '../../src/rfb/wire/keysyms.js';
