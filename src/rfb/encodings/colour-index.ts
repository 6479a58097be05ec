// A small set of pixel values in order of first appearance with their indexes (a tile's or a
// rectangle's palette): open addressing in typed arrays, cleared in O(1) by a generation stamp,
// one instance reused for every tile (a Map per tile costs more than the tile's analysis).

const SLOTS = 1024; // > 2 x the largest palette (256): probes stay short
const MASK = SLOTS - 1;

export class ColourIndex {
  /** The values added, in order (valid up to `size`). */
  readonly colours: Uint32Array;
  size = 0;
  #keys = new Uint32Array(SLOTS);
  #index = new Uint16Array(SLOTS);
  #stamp = new Uint32Array(SLOTS);
  #gen = 1;

  constructor(readonly limit: number) {
    this.colours = new Uint32Array(limit);
  }

  clear(): void {
    this.size = 0;
    if (++this.#gen === 0xffffffff) {
      this.#stamp.fill(0);
      this.#gen = 1;
    }
  }

  /** Add v and return its index; -1 when v is new and the set already holds `limit` values. */
  put(v: number): number {
    let h = (Math.imul(v, 0x9e3779b1) >>> 22) & MASK;
    const gen = this.#gen;
    while (this.#stamp[h] === gen) {
      if (this.#keys[h] === v) return this.#index[h]!;
      h = (h + 1) & MASK;
    }
    if (this.size >= this.limit) return -1;
    this.#stamp[h] = gen;
    this.#keys[h] = v;
    this.#index[h] = this.size;
    this.colours[this.size] = v;
    return this.size++;
  }
}
