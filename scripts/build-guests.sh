#!/usr/bin/env bash
# Build the real guest images for `serve --machine v86` from Debian packages, into guests/ (gitignored):
#   guests/grub.iso          GRUB 2 (i386-pc) menu in gfxterm at 1024x768x32 with a unicode font; it waits
#   guests/vmlinuz           Debian's i386 kernel (linux-image-686)
#   guests/initrd.img        busybox-static + the bochs DRM driver: fbcon at 1024x768, a shell on tty1
# Needs (installed when missing, as root): grub-pc-bin grub-common xorriso mtools cpio, and the i386
# architecture for linux-image-686 and busybox-static (downloaded and unpacked, not installed).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=guests
mkdir -p "$OUT"
# rebuild everything when this script changed since the last build
stamp=$(sha256sum "$0" | cut -c1-16)
if [ "$(cat "$OUT/.stamp" 2>/dev/null)" != "$stamp" ]; then rm -f "$OUT/grub.iso" "$OUT/vmlinuz" "$OUT/initrd.img"; fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in grub-pc-bin grub-common xorriso mtools cpio; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ! dpkg --print-foreign-architectures | grep -qx i386; then
  dpkg --add-architecture i386
  updated=
else
  updated=done
fi
if [ ${#missing[@]} -gt 0 ] || [ -z "${updated}" ] || ! apt-cache show busybox-static:i386 >/dev/null 2>&1; then
  apt-get update -q
fi
if [ ${#missing[@]} -gt 0 ]; then apt-get install -y -q --no-install-recommends "${missing[@]}"; fi

# ---- GRUB ISO ----
if [ ! -f "$OUT/grub.iso" ]; then
  mkdir -p "$WORK/iso/boot/grub/fonts"
  cp /usr/share/grub/unicode.pf2 "$WORK/iso/boot/grub/fonts/"
  cat > "$WORK/iso/boot/grub/grub.cfg" <<'EOF'
insmod all_video
insmod vbe
insmod gfxterm
loadfont /boot/grub/fonts/unicode.pf2
set gfxmode=1024x768x32
set gfxpayload=keep
terminal_output gfxterm
set timeout=-1
set menu_color_normal=white/blue
set menu_color_highlight=black/light-gray
menuentry "vramvnc: first entry (shows a greeting)" {
  echo "Hello from GRUB on vramvnc"
  sleep --interruptible 600
}
menuentry "vramvnc: second entry (lists the fonts)" {
  lsfonts
  sleep --interruptible 600
}
menuentry "vramvnc: reboot" {
  reboot
}
EOF
  grub-mkrescue -o "$WORK/grub.iso" "$WORK/iso" >/dev/null 2>&1 || { echo "grub-mkrescue failed" >&2; grub-mkrescue -o "$WORK/grub.iso" "$WORK/iso"; exit 1; }
  mv "$WORK/grub.iso" "$OUT/grub.iso"
fi

# ---- Linux kernel + busybox initramfs ----
if [ ! -f "$OUT/vmlinuz" ] || [ ! -f "$OUT/initrd.img" ]; then
  mkdir -p "$WORK/debs"
  kpkg=$(apt-cache depends linux-image-686:i386 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  [ -n "$kpkg" ] || { echo "cannot resolve linux-image-686:i386 (is the i386 architecture enabled?)" >&2; exit 1; }
  (cd "$WORK/debs" && apt-get download "$kpkg" busybox-static:i386 >/dev/null 2>&1) || (cd "$WORK/debs" && apt-get download "$kpkg" busybox-static:i386)
  mkdir -p "$WORK/k" "$WORK/bb"
  dpkg-deb -x "$WORK"/debs/linux-image-*.deb "$WORK/k"
  dpkg-deb -x "$WORK"/debs/busybox-static*.deb "$WORK/bb"
  kver=$(ls "$WORK/k/lib/modules")
  R="$WORK/root"
  mkdir -p "$R"/{bin,dev,proc,sys,tmp,lib/modules}
  cp "$WORK/bb/bin/busybox" "$R/bin/busybox"
  # the bochs DRM driver and what it needs, in load order
  mods="fb_sys_fops sysimgblt sysfillrect syscopyarea drm drm_kms_helper ttm drm_ttm_helper drm_vram_helper bochs"
  for m in $mods; do
    f=$(find "$WORK/k/lib/modules/$kver" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
    [ -n "$f" ] || { echo "module $m not found in $kpkg" >&2; exit 1; }
    case "$f" in *.xz) xz -dc "$f" > "$R/lib/modules/$m.ko" ;; *) cp "$f" "$R/lib/modules/$m.ko" ;; esac
  done
  cat > "$R/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $mods; do insmod /lib/modules/\$m.ko; done
# a steady cursor: a blinking one redraws the framebuffer five times a second, forever
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/graphics/fbcon/cursor_blink ] && break; sleep 0.2; done
echo 0 > /sys/class/graphics/fbcon/cursor_blink 2>/dev/null
export PS1='vramvnc:\w# ' HOME=/ TERM=linux
echo "vramvnc guest: Linux \$(uname -r) with busybox; fbcon on the bochs DRM driver"
while true; do setsid sh -c 'exec sh </dev/tty1 >/dev/tty1 2>&1'; done
EOF
  chmod +x "$R/init"
  (cd "$R" && find . | cpio -o -H newc --quiet | gzip -9 > "$WORK/initrd.img")
  cp "$WORK/k/boot/vmlinuz-$kver" "$OUT/vmlinuz"
  mv "$WORK/initrd.img" "$OUT/initrd.img"
fi
echo "$stamp" > "$OUT/.stamp"
ls -l "$OUT"
