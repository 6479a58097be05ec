// The bench's byte figures as a specification: ZRLE and Tight beat Raw at least 10x on the desktop
// and text fixture frames (bytes only: timings are for `vramvnc bench encode`, not for tests).
import { describe, expect, it } from 'vitest';
import { benchEncode, formatBenchTable, loadFrame } from '../../../src/cli/bench-encode.js';
import { EncodingType } from '../../../src/rfb/wire/encodings.js';

describe('bench encode', () => {
  it('ZRLE and Tight send at least 10x fewer bytes than Raw on the desktop and text frames', () => {
    const frames = (['desktop', 'text'] as const).map((name) => ({ name, surface: loadFrame(name) }));
    const rows = benchEncode(frames, 1, [
      { label: 'Raw', encodings: [EncodingType.Raw] },
      { label: 'ZRLE', encodings: [EncodingType.ZRLE] },
      { label: 'Tight', encodings: [EncodingType.Tight] },
    ]);
    for (const r of rows.filter((r) => r.encoding !== 'Raw')) expect(r.ratioToRaw, `${r.frame} ${r.encoding}`).toBeGreaterThanOrEqual(10);
    expect(formatBenchTable(rows)).toMatch(/^frame +encoding +ms\/frame +bytes\/frame +Raw\/enc$/m);
  });
});
