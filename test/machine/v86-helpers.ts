// Helpers for the real-guest suites: the guest images (built by scripts/build-guests.sh when missing),
// a whole vramvnc with a v86 machine on ephemeral loopback ports, and QEMU TCG on the same images.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_APP_OPTIONS, VramVnc, type AppOptions } from '../../src/app.js';
import { createV86Machine, type V86MachineOptions } from '../../src/machine/v86/machine.js';
import { startQemu, type Qemu } from '../screen/helpers.js';
import { connect, type Screen } from '../../client/screen/session.js';

export const GUESTS = path.resolve('guests');
export const GRUB_ISO = path.join(GUESTS, 'grub.iso');
export const KERNEL = path.join(GUESTS, 'vmlinuz');
export const INITRD = path.join(GUESTS, 'initrd.img');
export const BIOS = '/usr/share/seabios/bios.bin';

/** Build the guest images once if they are missing (Debian packages; ~10 s). */
export function ensureGuests(): void {
  if ([GRUB_ISO, KERNEL, INITRD].every((f) => fs.existsSync(f))) return;
  execFileSync('bash', [path.resolve('scripts/build-guests.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function startV86(machine: Partial<V86MachineOptions> = {}, app: Partial<AppOptions> = {}): Promise<VramVnc> {
  const common = { tracking: 'dirty' as const, idleDropMs: app.idleDropMs ?? DEFAULT_APP_OPTIONS.idleDropMs, vramMb: 16, log: () => {} };
  const m = await createV86Machine({ ...common, ...machine });
  const vnc = new VramVnc({
    ...DEFAULT_APP_OPTIONS,
    ...common,
    machine: m,
    vnc: { host: '127.0.0.1', port: 0 },
    web: { host: '127.0.0.1', port: 0 },
    ...app,
  });
  await vnc.start();
  return vnc;
}

/** QEMU TCG (qemu-system-i386, stdvga, its own VNC server) with the same BIOS: the standard of truth. */
export function startQemuI386(args: string[]): Promise<Qemu> {
  return startQemu(['-bios', BIOS, '-m', '128', ...args], '', { binary: 'qemu-system-i386', defaults: true });
}

/** The shell's prompt at the top left after `clear` (fbcon on the bochs DRM driver). */
export const LINUX_PROMPT = 'fixtures/needles/linux/fbcon-prompt.json';

/**
 * A viewer on a booting Linux guest, returned once its shell's prompt is at the top of a cleared
 * screen. The shell may still be starting when the screen first sits still: clear until it is there.
 * `each` sees the screen after every clear (to cut the needle anew with UPDATE_NEEDLES).
 */
export async function viewLinuxPrompt(app: VramVnc, each?: (screen: Screen) => void): Promise<Screen> {
  const screen = await connect(app.vncUrl!, { timeoutMs: 30_000 });
  await screen.client.waitUntil(() => screen.width === 1024, 240_000);
  await screen.waitStill({ stillMs: 3000, timeoutMs: 240_000 });
  for (let i = 0; ; i++) {
    await screen.waitChange(() => screen.typeText('clear\n'), { timeoutMs: 30_000 });
    await screen.waitStill({ stillMs: 1000, timeoutMs: 30_000 });
    each?.(screen);
    if ((await screen.checkScreen(LINUX_PROMPT, { timeoutMs: 5_000 })).ok || i === 4) break;
  }
  await screen.assertScreen(LINUX_PROMPT, { timeoutMs: 10_000 });
  return screen;
}
