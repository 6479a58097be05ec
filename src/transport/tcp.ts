// RFB over plain TCP: a ByteChannel around net.Socket, and the listener.
import net from 'node:net';
import tls from 'node:tls';
import type { ByteChannel } from '../rfb/channel.js';

export class TcpChannel implements ByteChannel {
  readonly remoteAddress: string;
  /** The socket data flows through: the TCP socket, or the TLS socket over it after startTls. */
  #io: net.Socket;
  #dataCbs: ((chunk: Buffer) => void)[] = [];
  #drainCbs: (() => void)[] = [];

  constructor(readonly socket: net.Socket) {
    this.#io = socket;
    socket.setNoDelay(true);
    const a = socket.remoteAddress ?? '?';
    this.remoteAddress = `${a.includes(':') ? `[${a}]` : a}:${socket.remotePort ?? '?'}`;
    socket.on('error', () => socket.destroy()); // reported through 'close'
  }

  get bufferedAmount(): number {
    return this.#io === this.socket ? this.socket.writableLength : this.#io.writableLength + this.socket.writableLength;
  }

  write(data: Uint8Array, written?: () => void): void {
    if (this.#io.destroyed) return;
    // 'drain' comes only after a write that filled the buffer; small writes that a TLS socket has
    // not yet passed on would otherwise hold updates back for good (as websocket.ts does)
    this.#io.write(data, (err) => {
      written?.();
      if (!err && this.bufferedAmount === 0) for (const cb of this.#drainCbs) cb();
    });
  }

  close(): void {
    this.#io.end();
    // do not wait forever for a peer that stopped reading (and do not hold on to us once it is gone)
    const t = setTimeout(() => this.destroy(), 2000);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }

  destroy(): void {
    this.#io.destroy();
    this.socket.destroy();
  }

  onData(cb: (chunk: Buffer) => void): void {
    this.#dataCbs.push(cb);
    this.#io.on('data', cb);
  }

  onClose(cb: () => void): void {
    this.socket.on('close', cb);
  }

  onDrain(cb: () => void): void {
    this.#drainCbs.push(cb);
    this.#io.on('drain', cb);
  }

  startTls(context: tls.SecureContext): Promise<void> {
    const raw = this.socket;
    if (this.#io !== raw) return Promise.reject(new Error('TLS already started'));
    for (const cb of this.#dataCbs) raw.off('data', cb);
    for (const cb of this.#drainCbs) raw.off('drain', cb);
    const t = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    this.#io = t;
    for (const cb of this.#dataCbs) t.on('data', cb);
    for (const cb of this.#drainCbs) t.on('drain', cb);
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        t.destroy();
        raw.destroy();
        reject(err);
      };
      t.once('secure', () => {
        t.off('error', onError);
        t.on('error', () => this.destroy()); // reported through 'close'
        resolve();
      });
      t.once('error', onError);
      t.once('close', () => reject(new Error('connection closed during the TLS handshake')));
    });
  }
}

/** Parse "host:port", "[v6]:port" or ":port"; throws a readable error. */
export function parseHostPort(s: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s);
  if (!m) throw new Error(`${what}: expected HOST:PORT, got '${s}'`);
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${what}: port ${m[3]} is out of range`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** Listen, resolving with the server once bound, rejecting with a readable error. */
export function listenTcp(host: string, port: number, onConnection: (channel: TcpChannel) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => onConnection(new TcpChannel(s)));
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      if (err.code === 'EADDRINUSE') reject(new Error(`${where} is already in use`));
      else if (err.code === 'EACCES') reject(new Error(`no permission to listen on ${where}`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new Error(`${host} is not an address of this machine`));
      else reject(new Error(`cannot listen on ${where}: ${err.message}`));
    });
    server.listen(port, host, () => resolve(server));
  });
}

export function formatAddress(server: net.Server, scheme: string, suffix = ''): string {
  const a = server.address() as net.AddressInfo;
  const host = a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]` : a.address;
  return `${scheme}://${host}:${a.port}${suffix}`;
}
