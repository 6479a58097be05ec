// The port I/O bus: `in`/`out` instructions dispatched to the device model that owns the port.

export interface PortHandler {
  read(port: number, size: 1 | 2): number;
  write(port: number, size: 1 | 2, value: number): void;
}

export class PortBus {
  #handlers = new Map<number, PortHandler>();
  /** Accesses to ports no device claims (reads float high, writes vanish). */
  unclaimed = 0;

  register(ports: Iterable<number>, handler: PortHandler): void {
    for (const p of ports) this.#handlers.set(p & 0xffff, handler);
  }

  /** Every port some device claims (for tests that drive whatever is registered). */
  registeredPorts(): number[] {
    return [...this.#handlers.keys()].sort((x, y) => x - y);
  }

  outb(port: number, v: number): void {
    this.#out(port, 1, v & 0xff);
  }

  /** `out dx, ax`: a 16-bit write (index in the low byte, data in the high byte for VGA). */
  outw(port: number, v: number): void {
    this.#out(port, 2, v & 0xffff);
  }

  inb(port: number): number {
    return this.#in(port, 1) & 0xff;
  }

  inw(port: number): number {
    return this.#in(port, 2) & 0xffff;
  }

  #out(port: number, size: 1 | 2, v: number): void {
    const h = this.#handlers.get(port & 0xffff);
    if (h) h.write(port & 0xffff, size, v);
    else this.unclaimed++;
  }

  #in(port: number, size: 1 | 2): number {
    const h = this.#handlers.get(port & 0xffff);
    if (h) return h.read(port & 0xffff, size);
    this.unclaimed++;
    return size === 1 ? 0xff : 0xffff;
  }
}
