// Typed text reaches the guest exactly: the server holds key events until the guest reads them
// (the i8042 buffers only 64 bytes and the terminal guest reads every 20 ms), releases are never
// lost (no stuck Shift), keysyms that need Shift get it, and `vramvnc type` / Screen.typeText pace
// themselves. Everything typed into the terminal guest and read back from its text screen.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { terminalGuest } from '../../src/guest/vga-programs.js';
import { I8042 } from '../../src/input/i8042.js';
import { Ps2Input } from '../../src/input/ps2-input.js';
import { charKeysym, KEYSYM_SHIFT_L, needsShift } from '../../src/rfb/wire/keysyms.js';
import { connect as connectScreen } from '../../client/screen/session.js';
import type { RfbClient } from '../../client/headless/rfb-client.js';
import { connect, startApp } from '../helpers/app.js';
import { waitForRow } from '../helpers/terminal.js';

const CLI = path.resolve('dist/src/cli/main.js');
/** The text of issue 14 that came out as "Hello World! @#ABC !@#". */
const ISSUE_TEXT = 'ls -la /etc\nHello World! @#$%^&*()_+{}|:"<>?~\n';

let app: VramVnc | null = null;
let client: RfbClient | null = null;
let logs: string[] = [];
afterEach(async () => {
  client?.close();
  client = null;
  await app?.stop();
  app = null;
});

async function terminal(): Promise<VramVnc> {
  logs = [];
  app = await startApp(terminalGuest, { log: (l) => logs.push(l) });
  await waitForRow(app, '$'); // the prompt is up: the guest reads keys
  return app;
}

/** Every key event of `text` at once, as `vramvnc type` sent them before it paced itself. */
function burst(c: RfbClient, text: string): number {
  let n = 0;
  for (const ch of text) {
    const sym = charKeysym(ch);
    const shift = needsShift(ch);
    if (shift) c.keyEvent(true, KEYSYM_SHIFT_L);
    c.keyEvent(true, sym);
    c.keyEvent(false, sym);
    if (shift) c.keyEvent(false, KEYSYM_SHIFT_L);
    n += shift ? 4 : 2;
  }
  return n;
}

/** A seeded generator of printable ASCII (0x20..0x7e). */
function printable(n: number, seed: number): string {
  let x = seed >>> 0;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    s += String.fromCharCode(0x20 + ((x >>> 8) % 95));
  }
  return s;
}

/** Lines the terminal takes (its input line holds 70 characters), none ending in a blank the screen would hide. */
function lines(text: string, max = 60): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(text.length, i + max);
    while (end > i + 1 && text[end - 1] === ' ') end--;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

describe('keystrokes into the terminal guest', () => {
  it("the issue's text sent all at once comes out exactly, nothing dropped, and Shift is not left down", async () => {
    const a = await terminal();
    client = await connect(a);
    const events = burst(client, ISSUE_TEXT);
    expect(events).toBeGreaterThan(64); // more than the i8042 holds
    await waitForRow(a, '> ls -la /etc');
    await waitForRow(a, '> Hello World! @#$%^&*()_+{}|:"<>?~');
    burst(client, 'abc 123\n');
    await waitForRow(a, '> abc 123');
    expect(a.kbc.counters.dropped).toBe(0);
    expect(a.ps2.counters.keyQueue.maxWaiting).toBeGreaterThan(0); // the server's queue did hold keys
    expect(a.ps2.counters.keyQueue.droppedPresses).toBe(0);
  });

  it('`vramvnc type` (a real process) types the issue\'s text exactly, then the next text unshifted', async () => {
    const a = await terminal();
    const type = (text: string) =>
      new Promise<void>((resolve, reject) =>
        execFile(process.execPath, [CLI, 'type', a.vncUrl!, text], { timeout: 30_000 }, (err, _o, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve())),
      );
    await type(ISSUE_TEXT.replace(/\n/g, '\\n'));
    await waitForRow(a, '> ls -la /etc');
    await waitForRow(a, '> Hello World! @#$%^&*()_+{}|:"<>?~');
    await type('abc 123\\n');
    await waitForRow(a, '> abc 123');
    expect(a.kbc.counters.dropped).toBe(0);
  });

  it('2,000 random printable characters typed with Screen.typeText come out exactly', async () => {
    const a = await terminal();
    const screen = await connectScreen(a.vncUrl!, { timeoutMs: 10_000 });
    try {
      const text = printable(2000, 14);
      const parts = lines(text);
      expect(parts.join('')).toBe(text);
      for (const line of parts) {
        await screen.typeText(`${line}\n`);
        await waitForRow(a, `> ${line}`);
      }
    } finally {
      await screen.close();
    }
    expect(a.kbc.counters.dropped).toBe(0);
  }, 120_000);

  it('2,000 random printable characters sent with no pacing at all come out exactly (the server queue alone)', async () => {
    const a = await terminal();
    client = await connect(a);
    for (const line of lines(printable(2000, 99))) {
      burst(client, `${line}\n`);
      await waitForRow(a, `> ${line}`);
    }
    expect(a.kbc.counters.dropped).toBe(0);
  }, 120_000);

  it('keysyms of shifted characters without a Shift press get Shift; unshifted ones with Shift held get it released', async () => {
    const a = await terminal();
    client = await connect(a);
    for (const sym of [...'Hello!'].map((ch) => ch.charCodeAt(0))) {
      client.keyEvent(true, sym);
      client.keyEvent(false, sym);
    }
    // Shift held, then '1' and 'a' (keysyms that need Shift up), then 'B' (needs it: already down)
    client.keyEvent(true, KEYSYM_SHIFT_L);
    for (const sym of [0x31, 0x61, 0x42]) {
      client.keyEvent(true, sym);
      client.keyEvent(false, sym);
    }
    client.keyEvent(false, KEYSYM_SHIFT_L);
    client.keyEvent(true, 0xff0d);
    client.keyEvent(false, 0xff0d);
    await waitForRow(a, '> Hello!1aB');
    expect(a.ps2.counters.shiftFixed).toBe(4); // H, !, 1, a
  });
});

describe('the server key queue', () => {
  it('holds keys for a guest that does not read, logs once when full, drops presses but keeps releases', () => {
    const kbc = new I8042();
    const log: string[] = [];
    const ps2 = new Ps2Input(kbc, { maxQueuedKeys: 20, log: (l) => log.push(l) });
    ps2.keyEvent(true, 0xffe1); // Shift down (accepted)
    for (let i = 0; i < 200; i++) {
      ps2.keyEvent(true, 0x61);
      ps2.keyEvent(false, 0x61);
    }
    ps2.keyEvent(false, 0xffe1); // Shift up: kept although the queue is full
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^keyboard: 2\d key events are waiting for the guest to read them; dropping new key presses until it does/);
    expect(ps2.counters.keyQueue.droppedPresses).toBeGreaterThan(100);
    expect(ps2.counters.keyQueue.waiting).toBeLessThanOrEqual(22);
    // the guest now reads everything: the last thing it sees is Shift's release
    const bytes: number[] = [];
    for (let i = 0; i < 10_000 && kbc.readStatus() & 1; i++) bytes.push(kbc.readData());
    expect(bytes.at(-1)).toBe(0xaa); // set 1: Shift_L break
    expect(kbc.counters.dropped).toBe(0);
    let down = 0;
    for (const b of bytes) if ((b & 0x7f) === 0x1e) down += b & 0x80 ? -1 : 1; // 'a' presses minus releases
    expect(down).toBe(0);
    expect(ps2.counters.keyQueue.waiting).toBe(0);
  });
});

