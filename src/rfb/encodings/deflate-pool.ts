// Deflate on more than one core for one zlib stream, the way pigz does it: a large input is cut
// into pieces, each piece is raw-deflated on its own with the 32 KiB before it as the preset
// dictionary and ends in a sync flush (byte-aligned, not final). Concatenated, the pieces are
// one valid deflate stream: the client's single inflater holds that same 32 KiB in its window,
// so every back-reference a piece makes resolves to the same bytes.
//
// The caller stays synchronous (an encoder writes its rectangle at once): the main thread
// deflates the first piece itself while worker threads deflate the others, then blocks on an
// Atomics flag for each worker and takes the result with receiveMessageOnPort.
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { setServerV8FlagsForNewIsolates } from '../../runtime/v8-flags.js';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import zlib from 'node:zlib';
import { deflateContinuing } from '../wire/deflate.js';
import { MEM_LEVEL, WINDOW, type DeflateEngine, type ParallelDeflate } from '../wire/zlib-stream.js';
/** Below this a piece costs more in hand-off than it saves. */
const MIN_PIECE = 64 * 1024;
/** A worker that does not answer in this long is given up; its piece is deflated here. */
const WORKER_TIMEOUT_MS = 5000;

interface Job {
  input: Uint8Array;
  dictionary: Uint8Array | null;
  level: number;
  engine: DeflateEngine;
}

/**
 * Our deflate's module, for the workers to import. They are plain Node and cannot load TypeScript:
 * run from src/ (vitest) they take the built one in dist/ (`npm test` builds first).
 */
function deflateModule(): string {
  const here = new URL('../wire/deflate.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(here))) return here.href;
  return new URL('../../../dist/src/rfb/wire/deflate.js', import.meta.url).href;
}


/** The worker's whole program: deflate what arrives, answer on the port, raise the flag. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const zlib = require('node:zlib');
const { port, flag } = workerData;
const MEM_LEVEL = ${MEM_LEVEL};
const f = new Int32Array(flag);
let ours = null; // our deflate's module, imported on the first piece for it
port.on('message', async ({ data, dictionaryLength, level, engine }) => {
  let out;
  try {
    const dictionary = data.subarray(0, dictionaryLength);
    const input = data.subarray(dictionaryLength);
    if (engine === 'pixels') {
      ours ??= import(${JSON.stringify(deflateModule())});
      out = { ok: (await ours).deflateContinuing(input, dictionary, level).slice() }; // just the bytes: the view's buffer is larger
    } else out = { ok: deflatePiece({ input, dictionary, level }) };
  } catch (err) {
    out = { error: String(err && err.message || err) };
  }
  port.postMessage(out);
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
});
function deflatePiece({ input, dictionary, level }) {
  const o = { level, memLevel: MEM_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  if (dictionary && dictionary.length > 0) o.dictionary = dictionary;
  return zlib.deflateRawSync(input, o);
}
`;

/** The same as the worker's deflatePiece, on this thread. */
export function deflatePiece({ input, dictionary, level, engine }: Job): Buffer {
  if (engine === 'pixels') return Buffer.from(deflateContinuing(input, dictionary ?? new Uint8Array(0), level));
  const o: zlib.ZlibOptions = { level, memLevel: MEM_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  if (dictionary && dictionary.length > 0) o.dictionary = dictionary;
  return zlib.deflateRawSync(input, o);
}

interface Helper {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  /** Booted: until then its pieces are deflated here rather than waited for. */
  online: boolean;
  broken: boolean;
}

/** One server's deflate threads: every session's streams share its workers (use is synchronous). */
export class DeflatePool implements ParallelDeflate {
  #helpers: Helper[] | null = null;
  #closed = false;
  /** Pieces by where they were deflated (for stats and tests). */
  readonly counters = { pooled: 0, onWorkers: 0, here: 0, fallbacks: 0 };
  /** `size` worker threads beside the main thread (0: the main thread only); they start on first need. */
  constructor(readonly size: number = defaultDeflateThreads()) {}

  /** close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stop the workers; pieces are deflated on this thread from then on. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const h of this.#helpers ?? []) {
      h.broken = true;
      await h.worker.terminate();
    }
  }

  /** Resolves once every worker has booted (tests wait for it). */
  async whenOnline(): Promise<void> {
    const helpers = this.#start();
    while (helpers.some((h) => !h.online && !h.broken)) await new Promise((r) => setTimeout(r, 5));
  }

  #lastLargeAt = -Infinity;

  #start(): Helper[] {
    if (this.#helpers) return this.#helpers;
    this.#helpers = [];
    if (this.#closed) return this.#helpers;
    setServerV8FlagsForNewIsolates(); // no memory reducer in the helper isolates, however node was started
    for (let i = 0; i < this.size; i++) {
      const { port1, port2 } = new MessageChannel();
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, flag: flag.buffer }, transferList: [port2] });
      worker.unref(); // never keeps the process alive
      const h: Helper = { worker, port: port1, flag, online: false, broken: false };
      worker.on('online', () => (h.online = true));
      worker.on('error', () => (h.broken = true));
      worker.on('exit', () => (h.broken = true));
      this.#helpers.push(h);
    }
    return this.#helpers;
  }

  /** How many pieces an input of `n` bytes is worth cutting into (1: deflate it here). */
  pieces(n: number): number {
    return Math.max(1, Math.min(this.size + 1, Math.floor(n / MIN_PIECE)));
  }

  /**
   * Raw deflate of `input` continuing after `window` (the last ≤ 32 KiB the inflater holds),
   * sync-flushed, in `pieces` pieces on as many threads.
   */
  deflate(input: Uint8Array, window: Uint8Array, level: number, pieces: number, engine: DeflateEngine = 'zlib'): Buffer {
    // the workers start on the second large rectangle within a second (a video, not an idle
    // screen's first frame: an idle VM should not pay a thread for it), and are used once booted
    const now = performance.now();
    if (!this.#helpers && now - this.#lastLargeAt < 1000) this.#start();
    this.#lastLargeAt = now;
    const helpers = (this.#helpers ?? []).filter((h) => h.online && !h.broken);
    const n = Math.min(pieces, helpers.length + 1);
    const cut = (i: number) => Math.floor((input.length * i) / n);
    const jobs: Job[] = [];
    for (let i = 0; i < n; i++) {
      const s = cut(i);
      const dictionary = i === 0 ? window : input.subarray(Math.max(0, s - WINDOW), s);
      jobs.push({ input: input.subarray(s, cut(i + 1)), dictionary, level, engine });
    }
    // hand pieces 1..n-1 out, each copied once with its dictionary in front (a view would be
    // cloned with its whole buffer) and transferred; deflate piece 0 meanwhile
    for (let i = 1; i < n; i++) {
      const h = helpers[i - 1]!;
      const s = cut(i);
      const from = Math.max(0, s - WINDOW);
      const data = Uint8Array.prototype.slice.call(input, from, cut(i + 1));
      Atomics.store(h.flag, 0, 0);
      h.port.postMessage({ data, dictionaryLength: s - from, level, engine }, [data.buffer]);
    }
    this.counters.pooled++;
    this.counters.onWorkers += n - 1;
    this.counters.here++;
    const out: Buffer[] = [deflatePiece(jobs[0]!)];
    for (let i = 1; i < n; i++) out.push(this.#collect(helpers[i - 1]!, jobs[i]!));
    return Buffer.concat(out);
  }

  #collect(h: Helper, job: Job): Buffer {
    if (Atomics.wait(h.flag, 0, 0, WORKER_TIMEOUT_MS) === 'timed-out') {
      h.broken = true; // an answer may still come; the helper is not used again
      this.counters.fallbacks++;
      return deflatePiece(job);
    }
    const msg = receiveMessageOnPort(h.port)?.message as { ok?: Uint8Array; error?: string } | undefined;
    if (!msg?.ok) {
      if (!msg) h.broken = true;
      this.counters.fallbacks++;
      return deflatePiece(job);
    }
    return Buffer.from(msg.ok.buffer, msg.ok.byteOffset, msg.ok.byteLength);
  }
}

/** One fewer than the cores (the main thread deflates a piece too), at most 3. */
export function defaultDeflateThreads(): number {
  return Math.max(0, Math.min(3, os.availableParallelism() - 1));
}

