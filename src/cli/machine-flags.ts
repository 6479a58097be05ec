// `serve --machine v86` and its flags: turn them into a booted V86Machine, mapping the library's
// option names in errors back to the flags the user typed.
import { Command, Option } from 'commander';
import type { TrackingMode } from '../hypervisor/dirty-log.js';
import { MachineOptionError, type Machine } from '../machine/machine.js';

export const MACHINES = ['scripted', 'v86'] as const;
export type MachineKind = (typeof MACHINES)[number];

/** Default VRAM per machine: our scripted guests need 8 MiB; v86 gets QEMU stdvga's 16 MiB. */
export const DEFAULT_VRAM_MB: Record<MachineKind, number> = { scripted: 8, v86: 16 };

const FLAG_OF: Record<string, string> = {
  vramMb: '--vram-mb',
  memoryMb: '--memory-mb',
  bios: '--bios',
  vgaBios: '--vga-bios',
  cdrom: '--cdrom',
  hda: '--hda',
  fda: '--fda',
  kernel: '--kernel',
  initrd: '--initrd',
  append: '--append',
  idleSlackMs: '--idle-slack-ms',
};

/** The library's message with its option name replaced by the CLI flag. */
export function flagMessage(err: unknown): string {
  if (err instanceof MachineOptionError) {
    const flag = FLAG_OF[err.option];
    if (flag && err.message.startsWith(err.option)) return flag + err.message.slice(err.option.length);
  }
  return (err as Error).message;
}

export function addMachineOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--machine <kind>', 'who runs the guest: scripted (our guest programs, --guest) or v86 (a real x86 CPU)').choices([...MACHINES]).default('scripted'))
    .option('--bios <file>', 'v86: system BIOS (default /usr/share/seabios/bios.bin, Debian package seabios)')
    .option('--vga-bios <file>', 'v86: VGA BIOS (default /usr/share/seabios/vgabios-stdvga.bin)')
    .option('--cdrom <iso>', 'v86: CD-ROM image')
    .option('--hda <img>', 'v86: hard disk image')
    .option('--fda <img>', 'v86: floppy image')
    .option('--kernel <bzImage>', 'v86: boot this Linux kernel directly')
    .option('--initrd <file>', 'v86: initramfs for --kernel')
    .option('--append <cmdline>', 'v86: kernel command line for --kernel')
    .option('--memory-mb <n>', 'v86: guest RAM in MiB (default 128)')
    .option('--idle-slack-ms <ms>', 'v86: once the guest has only slept for 1 s, serve its timers late by up to a tenth of that time, at most this much while the screen is still, 1 s while it draws (default 5000; 0: never late)');
}

const SCRIPTED_ONLY = ['guest', 'seed', 'duration'] as const;
const V86_ONLY = ['bios', 'vgaBios', 'cdrom', 'hda', 'fda', 'kernel', 'initrd', 'append', 'memoryMb', 'idleSlackMs'] as const;
/** The v86 flags as commander gives them: the machine's options, every value a string. */
export type V86Flags = { [K in (typeof V86_ONLY)[number]]?: string };

const KEBAB = (k: string) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** Refuse flags that belong to the other machine (commander's source tells a default from a typed flag). */
export function checkMachineFlags(cmd: Command, kind: MachineKind): void {
  const other = kind === 'v86' ? SCRIPTED_ONLY : V86_ONLY;
  for (const k of other) {
    if (cmd.getOptionValueSource(k) === 'cli') throw new Error(`${KEBAB(k)} is for --machine ${kind === 'v86' ? 'scripted' : 'v86'}`);
  }
}

/** Boot a v86 machine from the serve flags. */
export async function v86FromFlags(flags: V86Flags, common: { tracking: TrackingMode; idleDropMs: number; vramMb: number; log: (line: string) => void }): Promise<Machine> {
  const int = (v: string | undefined, flag: string, range: string): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new Error(`${flag} must be an integer from ${range}, got ${v}`);
    return Number(v);
  };
  const memoryMb = int(flags.memoryMb, '--memory-mb', '8 to 2048');
  const idleSlackMs = int(flags.idleSlackMs, '--idle-slack-ms', '0 to 60000');
  const { createV86Machine } = await import('../machine/v86/machine.js');
  try {
    return await createV86Machine({ ...common, ...flags, memoryMb, idleSlackMs });
  } catch (err) {
    throw new Error(flagMessage(err));
  }
}
