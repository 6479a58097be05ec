// Test helper: what the terminal guest shows, read from its text buffer (plane 0 holds the characters).
import { expect } from 'vitest';
import type { VramVnc } from '../../src/app.js';
import { sleep } from './app.js';

/** The 25 rows of the text screen, trailing blanks trimmed. */
export function terminalRows(app: VramVnc): string[] {
  return Array.from({ length: 25 }, (_, r) => {
    let t = '';
    for (let c = 0; c < 80; c++) t += String.fromCharCode(app.mem.vram[(r * 80 + c) * 4]!);
    return t.trimEnd();
  });
}

/** Wait until a row reads exactly `line` (the terminal echoes an entered line as "> text"). */
export async function waitForRow(app: VramVnc, line: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!terminalRows(app).includes(line) && Date.now() < deadline) await sleep(20);
  expect(terminalRows(app), `waiting for the row '${line}'`).toContain(line);
}
