// The headless client's coded errors: a failed connect rejects with an RfbClientError whose code
// says why, and 'close' carries the error the connection ended with (null when the client closed).
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { RfbClient, RfbClientError, type RfbClientErrorCode } from '../../client/headless/rfb-client.js';
import { FramebufferSource } from '../../src/display/framebuffer-source.js';
import { createVncServer } from '../../src/index.js';
import { ByteWriter } from '../../src/rfb/wire/byte-writer.js';
import { NATIVE_FORMAT } from '../../src/rfb/wire/pixel-format.js';
import { serverInit } from '../../src/rfb/wire/server-messages.js';

const peers: net.Server[] = [];
afterAll(() => peers.forEach((s) => s.close()));

/** A peer on loopback that writes `bytes` to whoever connects, all at once, and reads nothing. */
async function peer(bytes: Buffer | null): Promise<string> {
  const s = net.createServer((sock) => {
    sock.on('error', () => {});
    if (bytes) sock.write(bytes);
  });
  peers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `vnc://127.0.0.1:${(s.address() as net.AddressInfo).port}`;
}

async function codeOf(p: Promise<unknown>): Promise<RfbClientErrorCode | null> {
  const err = await p.then(
    (c) => {
      (c as RfbClient).close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RfbClientError);
  return (err as RfbClientError).code;
}

const v38 = Buffer.from('RFB 003.008\n');

describe('RfbClient errors', () => {
  it('a peer that is not RFB, a refusal, a socket that fails, no answer: each by its code', async () => {
    expect(await codeOf(RfbClient.connect(await peer(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'))))).toBe('RFB_CLIENT_ERR_NOT_RFB');
    const refused = RfbClient.connect(await peer(Buffer.concat([v38, Buffer.from([0, 0, 0, 0, 4]), Buffer.from('full')])));
    await expect(refused).rejects.toThrow('protocol error: server refused: full');
    expect(await codeOf(refused)).toBe('RFB_CLIENT_ERR_REFUSED');
    const unsupported = Buffer.concat([v38, Buffer.from([1, 19])]); // VeNCrypt only
    expect(await codeOf(RfbClient.connect(await peer(unsupported)))).toBe('RFB_CLIENT_ERR_UNSUPPORTED_SECURITY');
    const closedPort = await new Promise<number>((r) => {
      const t = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (t.address() as net.AddressInfo).port;
        t.close(() => r(p));
      });
    });
    expect(await codeOf(RfbClient.connect(`vnc://127.0.0.1:${closedPort}`))).toBe('RFB_CLIENT_ERR_SOCKET');
    expect(await codeOf(RfbClient.connect(await peer(null), { timeoutMs: 300 }))).toBe('RFB_CLIENT_ERR_TIMEOUT');
  });

  it('a message no server sends, after a good handshake, closes with PROTOCOL', async () => {
    const init = serverInit(new ByteWriter(64), 8, 8, NATIVE_FORMAT, 'x').toBuffer();
    const url = await peer(Buffer.concat([v38, Buffer.from([1, 1]), Buffer.from([0, 0, 0, 0]), init, Buffer.from([77])]));
    const c = await RfbClient.connect(url); // ServerInit came: connected, then the bad byte
    expect(c.state).toBe('Closed');
    expect(c.closeError?.code).toBe('RFB_CLIENT_ERR_PROTOCOL');
    expect(c.closeReason).toBe('protocol error: unknown server message type 77');
  });

  it('against our server: PASSWORD_REQUIRED, AUTH_FAILED, then CLOSED_BY_SERVER on close; null when the client closes', async () => {
    const fb = new FramebufferSource(64, 48);
    const server = await createVncServer({ source: fb, listen: { vnc: { port: 0 } }, security: { password: 'secret' } });
    try {
      expect(await codeOf(RfbClient.connect(server.vncUrl!))).toBe('RFB_CLIENT_ERR_PASSWORD_REQUIRED');
      expect(await codeOf(RfbClient.connect(server.vncUrl!, { password: 'wrong' }))).toBe('RFB_CLIENT_ERR_AUTH_FAILED');
      const mine = await RfbClient.connect(server.vncUrl!, { password: 'secret' });
      const closedByMe = new Promise<[string, RfbClientError | null]>((r) => mine.once('close', (reason, error) => r([reason, error])));
      mine.close();
      expect(await closedByMe).toEqual(['closed by client', null]);
      const c = await RfbClient.connect(server.vncUrl!, { password: 'secret' });
      await c.waitFirstFrame(5000);
      const closed = new Promise<[string, RfbClientError | null]>((r) => c.once('close', (reason, error) => r([reason, error])));
      await server.close();
      const [reason, error] = await closed;
      expect(reason).toBe('connection closed by server');
      expect(error?.code).toBe('RFB_CLIENT_ERR_CLOSED_BY_SERVER');
    } finally {
      await server.close();
    }
  });
});
