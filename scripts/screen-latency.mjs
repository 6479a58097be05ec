#!/usr/bin/env node
// Measure how long assertScreen takes to resolve after the screen changes (run `npm run build` first):
//   node scripts/screen-latency.mjs [--iterations 40] [--refresh-mode event|poll] [--refresh-ms 30] [--idle-rounds 5] [--qemu 3]
// A vramvnc with the idle guest runs in this process. Each round builds a needle for a box that is not
// on the screen yet, starts assertScreen on it, then has the guest draw the box (one fillRect into
// VRAM) and records:
//   change → resolve   guest store to assertScreen resolving (server refresh + encode + TCP + decode + match)
//   update → resolve   the update carrying the box decoded → resolved (the client's own cost)
//   updates            updates the client decoded between the store and resolving (1 = the first one)
// "busy" rounds follow each other, so the tracker is tracking (with --refresh-mode poll the server then
// refreshes every --refresh-ms; with event, the default, the tracker's doorbell wakes it); "idle" rounds
// wait 2.2 s first, so the tracker has dropped, and the store faults and kicks an immediate refresh. --qemu N also times Esc → SeaBIOS boot menu needle on a real QEMU.
import { spawn } from 'node:child_process';
import { VramVnc, DEFAULT_APP_OPTIONS } from '../dist/src/app.js';
import { idleGuest } from '../dist/src/guest/programs.js';
import { Fb32 } from '../dist/src/guest/guest.js';
import { connect } from '../dist/client/screen/session.js';
import { createNeedle, loadNeedle } from '../dist/client/screen/needle.js';
import { copyImage, fillRect } from '../dist/client/screen/image.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const iterations = arg('iterations', 40);
const refreshMs = arg('refresh-ms', DEFAULT_APP_OPTIONS.refreshIntervalMs);
const idleRounds = arg('idle-rounds', 5);
const qemuRounds = arg('qemu', 0);
const modeAt = process.argv.indexOf('--refresh-mode');
const refreshMode = modeAt < 0 ? DEFAULT_APP_OPTIONS.refreshMode ?? 'poll' : process.argv[modeAt + 1];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `median ${q(0.5).toFixed(2)}  mean ${mean.toFixed(2)}  p90 ${q(0.9).toFixed(2)}  max ${s[s.length - 1].toFixed(2)} ms`;
}

async function round(app, screen, i) {
  const box = { x: 40 + ((i * 37) % 800), y: 100 + ((i * 53) % 500), w: 64, h: 32 };
  const colour = 0x100000 * (1 + (i % 14)) + 0x00a0f0;
  const want = copyImage(screen.image());
  fillRect(want, box, colour);
  const needle = createNeedle(want, [box], { name: `box-${i}`, margin: 0 });
  let changeAt = null;
  screen.once('change', (c) => (changeAt = c.at));
  const updates0 = screen.client.updates;
  const pending = screen.assertScreen(needle, { timeoutMs: 5000 });
  const t0 = performance.now();
  new Fb32(app.mem, 1024, 768).fillRect(box.x, box.y, box.w, box.h, colour);
  const m = await pending;
  return { total: m.at - t0, client: m.at - changeAt, updates: screen.client.updates - updates0 };
}

async function ours() {
  const app = new VramVnc({ ...DEFAULT_APP_OPTIONS, guest: idleGuest, refreshIntervalMs: refreshMs, refreshMode, vnc: { host: '127.0.0.1', port: 0 }, web: null, log: () => {} });
  await app.start();
  const screen = await connect(app.vncUrl);
  const busy = [];
  for (let i = 0; i < iterations; i++) busy.push(await round(app, screen, i));
  const idle = [];
  for (let i = 0; i < idleRounds; i++) {
    await sleep(app.options.idleDropMs + 200);
    idle.push(await round(app, screen, 1000 + i));
  }
  await screen.close();
  await app.stop();
  const report = (name, rs) => {
    if (!rs.length) return;
    console.log(`${name} (${rs.length} rounds)`);
    console.log(`  change → resolve: ${stats(rs.map((r) => r.total))}`);
    console.log(`  update → resolve: ${stats(rs.map((r) => r.client))}`);
    console.log(`  updates decoded before resolving: ${[...new Set(rs.map((r) => r.updates))].sort().join(', ')}`);
  };
  console.log(`vramvnc idle guest 1024x768, refresh mode ${refreshMode}, interval ${refreshMs} ms, tracker drop after ${app.options.idleDropMs} ms`);
  report('busy: tracker tracking', busy);
  report('idle: tracker dropped, the store faults and kicks a refresh', idle);
}

async function qemu() {
  const times = [];
  for (let i = 0; i < qemuRounds; i++) {
    const proc = spawn('qemu-system-x86_64', ['-display', 'none', '-nodefaults', '-vga', 'std', '-monitor', 'none', '-serial', 'none', '-vnc', '127.0.0.1:0,to=99', '-boot', 'menu=on,splash-time=20000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise((resolve, reject) => {
      let out = '';
      const on = (d) => {
        out += d;
        const m = /VNC server running on ([\d.]+):(\d+)/.exec(out);
        if (m) resolve(`vnc://${m[1]}:${m[2]}`);
      };
      proc.stdout.on('data', on);
      proc.stderr.on('data', on);
      proc.once('error', reject);
    });
    const screen = await connect(url);
    await screen.assertScreen('fixtures/needles/qemu/seabios-press-esc.json', { timeoutMs: 15000 });
    let changeAt = null;
    const menu = loadNeedle('fixtures/needles/qemu/seabios-boot-menu.json');
    const pending = screen.assertScreen(menu, { timeoutMs: 10000 });
    screen.on('change', (c) => (changeAt = c.at));
    const t0 = performance.now();
    screen.sendKey('esc');
    const m = await pending;
    times.push({ total: m.at - t0, client: m.at - changeAt });
    await screen.close();
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  console.log(`QEMU: Esc → boot-menu needle resolved (${qemuRounds} boots; includes SeaBIOS and QEMU's display refresh)`);
  console.log(`  key sent → resolve: ${stats(times.map((r) => r.total))}`);
  console.log(`  update → resolve:   ${stats(times.map((r) => r.client))}`);
}

await ours();
if (qemuRounds > 0) await qemu();
