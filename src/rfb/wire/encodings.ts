// Encoding and pseudo-encoding numbers (RFC 6143 §7.7, rfbproto), with names for logs, and the codes
// inside encodings' bodies that both ends read (Hextile's mask, Tight's control byte and filters).

export const EncodingType = {
  Raw: 0,
  CopyRect: 1,
  RRE: 2,
  Hextile: 5,
  Zlib: 6,
  Tight: 7,
  ZRLE: 16,
  TightPNG: -260,
  // pseudo-encodings
  QualityLevel0: -32, // .. -23 = level 9
  QualityLevel9: -23,
  DesktopSize: -223,
  LastRect: -224,
  Cursor: -239,
  CompressLevel0: -256, // .. -247 = level 9
  CompressLevel9: -247,
  QemuExtendedKeyEvent: -258,
  DesktopName: -307,
  ExtendedDesktopSize: -308,
  Fence: -312,
  ContinuousUpdates: -313,
} as const;

const NAMES = new Map<number, string>(Object.entries(EncodingType).map(([k, v]) => [v, k]));

export function encodingName(n: number): string {
  if (n >= EncodingType.QualityLevel0 && n <= EncodingType.QualityLevel9) return `QualityLevel${n - EncodingType.QualityLevel0}`;
  if (n >= EncodingType.CompressLevel0 && n <= EncodingType.CompressLevel9) return `CompressLevel${n - EncodingType.CompressLevel0}`;
  return NAMES.get(n) ?? `unknown(${n})`;
}

/** Hextile's subencoding mask bits (RFC 6143 §7.7.4). */
export const HextileSub = {
  Raw: 1,
  BackgroundSpecified: 2,
  ForegroundSpecified: 4,
  AnySubrects: 8,
  SubrectsColoured: 16,
} as const;

/** Tight's compression-control byte (rfbproto "Tight Encoding"): the kind in the high bits, stream resets in the low 4. */
export const TightControl = {
  Fill: 0x80,
  Jpeg: 0x90,
  Png: 0xa0, // TightPNG only
  /** Basic compression: stream id in bits 4-5, explicit filter in bit 6. */
  ExplicitFilter: 0x40,
} as const;

export const TightFilter = { Copy: 0, Palette: 1, Gradient: 2 } as const;

/** Tight data shorter than this goes uncompressed, with no length (TIGHT_MIN_TO_COMPRESS). */
export const TIGHT_MIN_TO_COMPRESS = 12;
