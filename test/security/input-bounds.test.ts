import { describe, expect, it } from 'vitest';
import { GuestInput } from '../../src/guest/input-devices.js';

describe('guest input log bounds (hostile clients)', () => {
  it('holds at most maxQueued events', () => {
    const g = new GuestInput(100);
    for (let i = 0; i < 10_000; i++) g.pointerEvent(0, i, i);
    expect(g.events.length).toBe(100);
    expect(g.events[99]).toEqual({ kind: 'pointer', buttonMask: 0, x: 9999, y: 9999 });
  });

  it('holds a bounded amount of cut text however many large ClientCutTexts arrive', () => {
    const g = new GuestInput(1024, 2 * 1024 * 1024);
    const big = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 200; i++) g.cutText(big + i);
    const held = g.events.reduce((n, e) => n + (e.kind === 'cut' ? e.text.length : 0), 0);
    expect(held).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(g.clipboard).toBe(big + 199); // the latest is still the clipboard
  });
});
