// Colour-map mode (RFC 6143 §7.6.2 SetColourMapEntries): the fixed 3-3-2 map we send to clients
// that ask for a colour-map pixel format, and the hook for a guest palette (the VGA DAC) to feed it.

export type Rgb8 = [number, number, number];

/** A 256-entry colour map and the lookup from a native 0x00RRGGBB pixel to its index. */
export interface ColourMap {
  /** Bumped whenever the entries change (clients get a new SetColourMapEntries). */
  readonly version: number;
  /** 256 entries, 8 bits per component. */
  entries(): Rgb8[];
  /** The index of the nearest entry. */
  index(rgb: number): number;
}

/** 3 bits red, 3 green, 2 blue: index = RRRGGGBB, components spread over the full range. */
export class Rgb332ColourMap implements ColourMap {
  readonly version = 0;
  entries(): Rgb8[] {
    const out: Rgb8[] = [];
    for (let i = 0; i < 256; i++) out.push([Math.round(((i >> 5) * 255) / 7), Math.round((((i >> 2) & 7) * 255) / 7), Math.round(((i & 3) * 255) / 3)]);
    return out;
  }
  index(rgb: number): number {
    return (((rgb >>> 16) & 0xe0) | (((rgb >>> 8) & 0xe0) >>> 3) | ((rgb & 0xff) >>> 6)) & 0xff;
  }
}

/**
 * A map fed from a guest palette (e.g. the VGA DAC, 6 bits per component): nearest-colour lookup
 * with a cache. Call set() when the guest reprograms its palette.
 */
export class PaletteColourMap implements ColourMap {
  version = 0;
  #entries: Rgb8[] = [];
  #cache = new Map<number, number>();

  constructor(entries: Rgb8[]) {
    this.set(entries);
  }

  set(entries: Rgb8[]): void {
    this.#entries = entries.slice(0, 256).map((e) => [e[0], e[1], e[2]] as Rgb8);
    while (this.#entries.length < 256) this.#entries.push([0, 0, 0]);
    this.#cache.clear();
    this.version++;
  }

  entries(): Rgb8[] {
    return this.#entries;
  }

  index(rgb: number): number {
    const hit = this.#cache.get(rgb);
    if (hit !== undefined) return hit;
    const r = (rgb >>> 16) & 255;
    const g = (rgb >>> 8) & 255;
    const b = rgb & 255;
    let best = 0;
    let bestD = Infinity;
    this.#entries.forEach(([er, eg, eb], i) => {
      const d = (er - r) ** 2 + (eg - g) ** 2 + (eb - b) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    if (this.#cache.size > 65536) this.#cache.clear();
    this.#cache.set(rgb, best);
    return best;
  }
}
