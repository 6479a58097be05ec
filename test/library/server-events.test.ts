// createVncServer's typed events: 'connection' with the session, 'close' with the session and its
// coded RfbProtocolError (the code kept, not flattened into a string), or null for an orderly close.
import { describe, expect, it } from 'vitest';
import { RfbClient } from '../../client/headless/rfb-client.js';
import { FramebufferSource } from '../../src/display/framebuffer-source.js';
import { createVncServer, RfbProtocolError, type RfbSession } from '../../src/index.js';

describe('VncServer events', () => {
  it("'close' carries the session's coded error, or null when the client just left", async () => {
    const server = await createVncServer({ source: new FramebufferSource(64, 48), listen: { vnc: { port: 0 } } });
    try {
      const connected: RfbSession[] = [];
      const closed: [RfbSession, RfbProtocolError | null][] = [];
      server.on('connection', (s) => connected.push(s));
      const closedOnce = () => new Promise<void>((r) => server.once('close', (s, err) => (closed.push([s, err]), r())));

      const polite = await RfbClient.connect(server.vncUrl!);
      let done = closedOnce();
      polite.close();
      await done;
      expect(closed[0]![0]).toBe(connected[0]);
      expect(closed[0]![1]).toBeNull();

      const rude = await RfbClient.connect(server.vncUrl!);
      done = closedOnce();
      rude.sendRaw(Buffer.from([7])); // no such client message
      await done;
      const [session, err] = closed[1]!;
      expect(session).toBe(connected[1]);
      expect(err).toBeInstanceOf(RfbProtocolError);
      expect(err!.code).toBe('RFB_ERR_UNKNOWN_MESSAGE');
      expect(session.closeError).toBe(err);
      expect(session.closeReason).toBe('RFB_ERR_UNKNOWN_MESSAGE: unknown client message type 7');
    } finally {
      await server.close();
    }
  });
});
