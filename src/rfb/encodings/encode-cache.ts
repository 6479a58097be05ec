// Encoded rectangles (header + body) of one surface generation, shared between sessions, within a
// byte budget. The cache only pays when a second client sends the same rectangle in the same
// format (the fan-out of a screen change, a new viewer of an idle screen); what one client alone
// asked for (an area, a pixel format nobody else uses) is worth nothing to the others. So:
//  - every entry belongs to the session that made it until another session hits it (it is then
//    shared); what a session made in one generation that nobody else used is at most
//    `maxOwnerBytes`: beyond that it makes no more until the screen changes (accepts() says no,
//    so it does not even copy them: a client asking for area after area of an idle screen would
//    otherwise churn megabytes of copies for the garbage collector); its unshared entries are
//    dropped when it disconnects;
//  - all entries together are held within `maxBytes` (least recently used go first);
//  - a screen change drops everything (the bytes describe pixels that are gone).
// Worst case: maxBytes, whatever the clients send (README, "Security model and limits").

export interface EncodeCacheOptions {
  /** All entries together (bytes of encoded rectangles). */
  maxBytes: number;
  /** Entries one session made in one generation that no other session has used. */
  maxOwnerBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_ENCODE_CACHE_OPTIONS: EncodeCacheOptions = {
  // a few full frames (1024x768x32 is 3 MiB): the fan-out of a change to clients in a few formats
  maxBytes: 32 * MiB,
  // a full 1920x1080x32 frame: the first client's update stays until the others take it
  maxOwnerBytes: 8 * MiB,
};

/**
 * What an entry costs besides its bytes (the Map slot, its key, the Buffer and its ArrayBuffer):
 * charged too, so that many tiny entries cannot add up to more than the budget says.
 */
export const ENTRY_OVERHEAD = 320;

interface Entry {
  bytes: Buffer;
  /** bytes.length + ENTRY_OVERHEAD + key.length: what the budgets count. */
  cost: number;
  /** The session that made it, until another one used it (then null: shared). */
  owner: object | null;
}

/** One session's unshared entries (keys may be stale: checked when used, compacted). */
interface Owned {
  keys: string[];
  bytes: number;
  /** Entries still owned (keys beyond that are stale: compacted away). */
  count: number;
  /** Made in this generation and not (yet) used by another session. */
  spent: number;
}

export class EncodeCache {
  readonly options: EncodeCacheOptions;
  #generation = 0;
  /** In least recently used order (a hit moves an entry to the end). */
  #map = new Map<string, Entry>();
  #owned = new Map<object, Owned>();
  #bytes = 0;
  hits = 0;
  misses = 0;
  /** Entries dropped to stay within the budgets (for tests and stats). */
  evictions = 0;

  constructor(options: Partial<EncodeCacheOptions> = {}) {
    this.options = { ...DEFAULT_ENCODE_CACHE_OPTIONS, ...options };
  }

  /** The surface changed: nothing cached so far is valid. */
  invalidate(): void {
    this.#generation++;
    this.#map.clear();
    this.#owned.clear();
    this.#bytes = 0;
  }

  get generation(): number {
    return this.#generation;
  }

  /** What the entries cost, overhead included (always <= options.maxBytes). */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Bytes held for `owner` that no other session has used. */
  ownedBytes(owner: object): number {
    return this.#owned.get(owner)?.bytes ?? 0;
  }

  get(key: string, requester?: object): Buffer | undefined {
    const e = this.#map.get(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (e.owner !== null && e.owner !== requester) {
      // a second session wants it: it is worth keeping now
      const o = this.#owned.get(e.owner);
      if (o) o.spent -= e.cost;
      this.#disown(e);
    }
    this.#map.delete(key);
    this.#map.set(key, e);
    return e.bytes;
  }

  /** Whether set() would keep an entry of `length` bytes from `owner` (ask before copying them). */
  accepts(owner: object, length: number): boolean {
    const cost = length + ENTRY_OVERHEAD + 64;
    const o = this.#owned.get(owner);
    return cost <= this.options.maxOwnerBytes && cost <= this.options.maxBytes && (o?.spent ?? 0) + cost <= this.options.maxOwnerBytes;
  }

  /**
   * Keep `bytes` (not copied: give a buffer of its own, not a slice of a pooled one, which would
   * hold the whole pool slab) for `key`, made by `owner`.
   */
  set(key: string, bytes: Buffer, owner: object = this): void {
    const size = bytes.length + ENTRY_OVERHEAD + key.length;
    let o = this.#owned.get(owner);
    if (size > this.options.maxOwnerBytes || size > this.options.maxBytes || (o?.spent ?? 0) + size > this.options.maxOwnerBytes) return;
    this.#delete(key);
    this.#map.set(key, { bytes, cost: size, owner });
    this.#bytes += size;
    if (!o) this.#owned.set(owner, (o = { keys: [], bytes: 0, count: 0, spent: 0 }));
    o.keys.push(key);
    o.bytes += size;
    o.count++;
    o.spent += size;
    // (what it holds unshared never exceeds what it spent: within maxOwnerBytes)
    if (o.keys.length > 2 * o.count + 256) {
      // mostly stale keys (entries shared or evicted since): keep the owned ones
      o.keys = o.keys.filter((k) => this.#map.get(k)?.owner === owner);
    }
    while (this.#bytes > this.options.maxBytes) {
      this.#delete(this.#map.keys().next().value!);
      this.evictions++;
    }
  }

  /** A session ended: what only it used goes. */
  forget(owner: object): void {
    const o = this.#owned.get(owner);
    if (!o) return;
    for (const k of o.keys) if (this.#map.get(k)?.owner === owner) this.#delete(k);
    this.#owned.delete(owner);
  }

  #delete(key: string): void {
    const e = this.#map.get(key);
    if (!e) return;
    this.#map.delete(key);
    this.#bytes -= e.cost;
    this.#disown(e);
  }

  #disown(e: Entry): void {
    if (e.owner === null) return;
    const o = this.#owned.get(e.owner);
    if (o) {
      o.bytes -= e.cost;
      o.count--;
    }
    e.owner = null;
  }
}
