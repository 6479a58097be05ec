// Encoding and pseudo-encoding numbers (RFC 6143 §7.7, rfbproto), with names for logs.

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
