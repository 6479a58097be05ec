// The encoding numbers live in the wire module (src/rfb/wire/encodings.ts); this path is kept only
// for src/bench/v86.ts, which is being changed in parallel: remove once it imports the wire module.
export { EncodingType, encodingName } from '../wire/encodings.js';
