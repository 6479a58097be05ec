// The encode bench's peers serve exactly our pictures: the X11 client puts a picture on the root
// window of Xvfb (for x11vnc) and of Xvnc, and every server's first frame of each encoding is
// checked against it pixel by pixel (benchEncodePeers throws otherwise).
import { describe, expect, it } from 'vitest';
import { benchEncodePeers, formatPeerTable, PEER_CASES } from '../../src/bench/encode-peers.js';
import { loadFrame } from '../../src/cli/bench-encode.js';

describe('bench encode --peers', () => {
  it('serves the console picture from vramvnc, x11vnc and Xvnc, pixel-exact, and measures each', async () => {
    const rows = await benchEncodePeers({ frames: [{ name: 'console', surface: loadFrame('console') }], peers: ['x11vnc', 'xvnc'], iterations: 2, warmup: 1, log: () => {} });
    expect(rows.map((r) => r.encoding)).toEqual(PEER_CASES.map((c) => c.label));
    for (const r of rows) {
      expect(Object.keys(r.servers)).toEqual(['vramvnc', 'x11vnc', 'xvnc']);
      for (const cell of Object.values(r.servers)) {
        expect(cell.bytes).toBeGreaterThan(1000); // a 1024x768 picture of text, compressed
        expect(cell.bytes).toBeLessThan(1024 * 768 * 4);
        expect(cell.cpuRuns).toHaveLength(2); // the warm-up frame is not among them
      }
    }
    expect(formatPeerTable(rows, { iterations: 2, warmup: 1 })).toMatch(/\| +console \| +ZRLE \|/);
    expect(formatPeerTable(rows, { iterations: 2, warmup: 1 })).toMatch(/after 1 uncounted frames from each/);
  }, 180_000);

  it("passes --server-args on to our server: a flag it refuses fails the bench with the server's own message", async () => {
    const frames = [{ name: 'console', surface: loadFrame('console') }];
    await expect(benchEncodePeers({ frames, peers: [], iterations: 1, serverArgs: ['--deflate-threads', '9'], log: () => {} })).rejects.toThrow(/--deflate-threads/);
    const rows = await benchEncodePeers({ frames, peers: [], iterations: 1, serverArgs: ['--deflate-threads', '0'], log: () => {} });
    expect(rows.map((r) => Object.keys(r.servers))).toEqual(PEER_CASES.map(() => ['vramvnc']));
  }, 60_000);
});
