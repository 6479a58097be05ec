// Test helper: a raw RFB peer over TCP (or TLS once upgraded) that reads exact byte counts.
import net from 'node:net';
import tls from 'node:tls';

export class Wire {
  #buf = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  closed = false;
  socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.#attach(socket);
  }

  #attach(s: net.Socket): void {
    s.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake();
    });
    s.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    s.on('error', () => {});
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new Wire(s)));
      s.once('error', reject);
    });
  }

  static portOf(url: string): number {
    return Number(/:(\d+)$/.exec(url)![1]);
  }

  write(b: Uint8Array | string): void {
    this.socket.write(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
  }

  /** Exactly n bytes, or reject if the connection closes first or nothing comes within timeoutMs. */
  async read(n: number, timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.#buf.length < n) {
      if (this.closed) throw new Error(`connection closed with ${this.#buf.length} of ${n} bytes`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} bytes (have ${this.#buf.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** Everything until the server closes the connection. */
  async readToClose(timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for close');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const out = this.#buf;
    this.#buf = Buffer.alloc(0);
    return out;
  }

  /** Continue over TLS as the client (VeNCrypt). */
  startTls(options: tls.ConnectionOptions): Promise<void> {
    const raw = this.socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    return new Promise((resolve, reject) => {
      const t = tls.connect({ ...options, socket: raw }, () => resolve());
      t.once('error', reject);
      this.socket = t;
      this.#attach(t);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Read a ServerInit and return its size and name. */
export async function readServerInit(w: Wire): Promise<{ width: number; height: number; name: string }> {
  const head = await w.read(24);
  const name = await w.read(head.readUInt32BE(20));
  return { width: head.readUInt16BE(0), height: head.readUInt16BE(2), name: name.toString('utf8') };
}
