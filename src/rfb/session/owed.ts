// What one client is owed: the changes it has not been sent (its dirty region and the CopyRects
// before them), and the area it asked for (the outstanding FramebufferUpdateRequest, or the
// continuous-updates area). Requests arrive in batches (update-requests.ts) and are acted on once.
import { DirtyRegion } from '../../display/dirty-region.js';
import { clipRect, type Rect, type Surface } from '../../display/surface.js';
import { regionTouches, regionWithout, type Move } from '../encodings/move-detect.js';
import { UpdateRequests } from '../update-requests.js';

export class OwedUpdates {
  /** What the client has not been sent (null before ClientInit and once closed). */
  #region: DirtyRegion | null = null;
  /** CopyRects owed to the client, in order, before any dirty rectangle. */
  #moves: Move[] = [];
  /** The area of the outstanding FramebufferUpdateRequest. */
  #request: Rect | null = null;
  /** EnableContinuousUpdates area, while enabled. */
  #continuous: Rect | null = null;
  /** Requests received and not yet acted on: O(1) each, answered once per batch of messages. */
  readonly #asked = new UpdateRequests();

  /** ClientInit: the client holds nothing yet; it will ask. */
  start(width: number, height: number): void {
    this.#region = new DirtyRegion(width, height);
  }

  get started(): boolean {
    return this.#region !== null;
  }

  /** Whether the client waits for an update (a request, or continuous updates). */
  get waiting(): boolean {
    return this.#request !== null || this.#continuous !== null;
  }

  get continuous(): boolean {
    return this.#continuous !== null;
  }

  /** Pending chunks of the dirty region. */
  get chunks(): number {
    return this.#region ? this.#region.countChunks() : 0;
  }

  /** Whether the region has this size (a resize not yet seen leaves it at the old one). */
  sized(width: number, height: number): boolean {
    return this.#region !== null && this.#region.width === width && this.#region.height === height;
  }

  /** One FramebufferUpdateRequest, recorded. */
  ask(incremental: boolean, x: number, y: number, w: number, h: number, s: Surface): void {
    this.#asked.add(incremental, x, y, w, h, s.width, s.height);
  }

  /** Whether requests of this batch wait to be acted on, and whether one was non-incremental. */
  get asked(): { any: boolean; full: boolean } {
    return this.#asked;
  }

  /** Act on the batch's requests (see UpdateRequests.take). */
  takeRequests(s: Surface): void {
    // before a resize reaches us the region is the old size: it will be all dirty anyway
    this.#request = this.#asked.take(this.#request, this.sized(s.width, s.height) ? this.#region : null);
  }

  get requested(): boolean {
    return this.#request !== null;
  }

  /** EnableContinuousUpdates on (an area clipped to the surface; outside: the whole) or off. */
  setContinuous(area: Rect | null, s: Surface): void {
    this.#continuous = area && (clipRect(area, s.width, s.height) ?? { x: 0, y: 0, w: s.width, h: s.height });
  }

  /** The surface changed size: all of it is owed, in the areas asked for. */
  resized(s: Surface): void {
    const all = { x: 0, y: 0, w: s.width, h: s.height };
    this.#region = new DirtyRegion(s.width, s.height);
    this.#region.addRect(all);
    this.#asked.resized(s.width, s.height);
    this.#moves = [];
    if (this.#request) this.#request = { ...all };
    if (this.#continuous) this.#continuous = { ...all };
  }

  /** Changes on the surface; a move becomes a CopyRect if the client can take one and holds its source. */
  add(region: DirtyRegion, move: Move | null, copyRect: boolean): boolean {
    const r = this.#region;
    if (!r || region.width !== r.width || region.height !== r.height) return false; // a resize follows
    const src = move && { x: move.srcX, y: move.srcY, w: move.dst.w, h: move.dst.h };
    if (move && src && copyRect && !regionTouches(r, src)) {
      // the client holds the source pixels (nothing pending there): copy, and send the rest
      this.#moves.push(move);
      r.addRegion(regionWithout(region, move.dst));
    } else {
      r.addRegion(region);
    }
    return true;
  }

  addAll(s: Surface): void {
    this.#region?.addRect({ x: 0, y: 0, w: s.width, h: s.height });
  }

  get hasMoves(): boolean {
    return this.#moves.length > 0;
  }

  /** Pending copies become plain dirty rectangles (the client cannot take them now). */
  movesToRegion(): void {
    for (const m of this.#moves) this.#region?.addRect(m.dst);
    this.#moves = [];
  }

  /** The area to send now: the request's, else the continuous-updates area (null: none). */
  get area(): Rect | null {
    return this.#request ?? this.#continuous;
  }

  /** Take what is owed within `area`: CopyRects (only if all lie inside it) and dirty rectangles. */
  take(area: Rect): { rects: Rect[]; moves: Move[] } {
    const inArea = (r: Rect) => r.x >= area.x && r.y >= area.y && r.x + r.w <= area.x + area.w && r.y + r.h <= area.y + area.h;
    if (this.#moves.some((m) => !inArea(m.dst))) this.movesToRegion();
    const moves = this.#moves;
    const rects = this.#region!.takeRects(area);
    return { rects, moves };
  }

  /** The moves taken go into the update being built. */
  movesTaken(): void {
    this.#moves = [];
  }

  /** The update went out: the request is answered. */
  answered(): void {
    this.#request = null;
  }

  /** The session closed: let go of the region. */
  clear(): void {
    this.#region = null;
    this.#moves = [];
  }
}
