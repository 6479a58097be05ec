// A minimal X11 client (the core protocol over the display's unix socket, no Xlib) that makes a
// picture the root window's background, so that an X server's VNC front end (x11vnc on Xvfb, Xvnc)
// serves exactly that picture: the encode bench's peers show the same pixels as our server.
import net from 'node:net';
import type { Surface } from '../display/surface.js';

/** An open connection that holds the picture (the server may reset once its last client goes). */
export interface X11Picture {
  close(): void;
}

function request(opcode: number, data: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = opcode;
  head[1] = data;
  head.writeUInt16LE((4 + body.length) / 4, 2);
  return Buffer.concat([head, body]);
}

const u32s = (...v: number[]) => {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => b.writeUInt32LE(x >>> 0, i * 4));
  return b;
};

/**
 * Connect to display :n, put `pic` (0x00RRGGBB pixels) in a pixmap, make it the root window's
 * background and wait for the server to have done it (a round trip). The root must be as large
 * as the picture and 24 deep with 32-bit pixels (Xvfb -screen 0 WxHx24, Xvnc -depth 24).
 */
export function showPictureOnRoot(display: number, pic: Surface, timeoutMs = 10_000): Promise<X11Picture> {
  return new Promise((resolve, reject) => {
    const s = net.connect(`/tmp/.X11-unix/X${display}`);
    let buf = Buffer.alloc(0);
    let stage: 'setup' | 'sync' | 'done' = 'setup';
    const timer = setTimeout(() => fail(new Error(`X display :${display}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      s.destroy();
      reject(err);
    };
    s.on('error', (e) => fail(new Error(`X display :${display}: ${e.message}`)));
    s.on('connect', () => {
      // little-endian client, protocol 11.0, no authorisation
      const b = Buffer.alloc(12);
      b[0] = 0x6c;
      b.writeUInt16LE(11, 2);
      s.write(b);
    });
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (stage === 'setup') {
        if (buf.length < 8) return;
        const len = 8 + buf.readUInt16LE(6) * 4;
        if (buf.length < len) return;
        if (buf[0] !== 1) return fail(new Error(`X display :${display} refused the connection: ${buf.subarray(8, 8 + buf[1]!).toString('latin1')}`));
        const ridBase = buf.readUInt32LE(12);
        const maxReq = buf.readUInt16LE(26);
        const vendorLen = buf.readUInt16LE(24);
        const formats = buf[29]!;
        const scr = 40 + ((vendorLen + 3) & ~3) + 8 * formats;
        const root = buf.readUInt32LE(scr);
        const width = buf.readUInt16LE(scr + 20);
        const height = buf.readUInt16LE(scr + 22);
        const depth = buf[scr + 38]!;
        if (width !== pic.width || height !== pic.height || depth !== 24) {
          return fail(new Error(`X display :${display} is ${width}x${height}x${depth}, the picture ${pic.width}x${pic.height}x24`));
        }
        buf = buf.subarray(len);
        const pixmap = ridBase | 1;
        const gc = ridBase | 2;
        const out: Buffer[] = [];
        out.push(request(53, 24, Buffer.concat([u32s(pixmap, root), Buffer.from(new Uint16Array([pic.width, pic.height]).buffer)]))); // CreatePixmap
        out.push(request(55, 0, u32s(gc, pixmap, 0))); // CreateGC
        const rowBytes = pic.width * 4;
        const rows = Math.max(1, Math.floor(((maxReq - 6) * 4) / rowBytes));
        const px = Buffer.from(pic.data.buffer, pic.data.byteOffset, pic.data.byteLength);
        for (let y = 0; y < pic.height; y += rows) {
          const h = Math.min(rows, pic.height - y);
          const head = Buffer.alloc(20);
          head.writeUInt32LE(pixmap, 0);
          head.writeUInt32LE(gc, 4);
          head.writeUInt16LE(pic.width, 8);
          head.writeUInt16LE(h, 10);
          head.writeInt16LE(0, 12);
          head.writeInt16LE(y, 14);
          head[16] = 0; // left-pad
          head[17] = 24; // depth
          out.push(request(72, 2, Buffer.concat([head, px.subarray(y * rowBytes, (y + h) * rowBytes)]))); // PutImage, ZPixmap
        }
        out.push(request(2, 0, u32s(root, 1, pixmap))); // ChangeWindowAttributes: CWBackPixmap
        out.push(request(61, 0, u32s(root, 0, 0))); // ClearArea of the whole root, no exposures
        out.push(request(43, 0, Buffer.alloc(0))); // GetInputFocus: its reply says all the above was done
        s.write(Buffer.concat(out));
        stage = 'sync';
      }
      if (stage === 'sync') {
        while (buf.length >= 32) {
          const kind = buf[0]!;
          if (kind === 0) return fail(new Error(`X display :${display}: error ${buf[1]} for request ${buf[10]}`));
          const len = kind === 1 ? 32 + buf.readUInt32LE(4) * 4 : 32;
          if (buf.length < len) return;
          buf = buf.subarray(len);
          if (kind === 1) {
            stage = 'done';
            clearTimeout(timer);
            resolve({ close: () => s.destroy() });
            return;
          }
        }
      }
    });
  });
}
