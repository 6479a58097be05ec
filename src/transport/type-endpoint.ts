// POST /type on the web port: the server types a text into the guest as key presses ("paste as
// keystrokes", for guests without a clipboard: a text console, a BIOS, a login prompt). The viewer's
// clipboard panel uses it. Same checks as the rest of the web port: the VNC password (HTTP Basic,
// checked before this runs, see needsPassword), the page's own origin (or --allow-origin); at most
// MAX_TYPE_CHARS.
import type http from 'node:http';
import type { WebHost } from './web-host.js';
import { charKeyEvents, charKeysym } from '../rfb/wire/keysyms.js';
import { keysymToSet1 } from '../input/scancodes.js';
import { DEFAULT_WEB_SECURITY, originAllowed } from './web-security.js';

/** Characters one request may type (four key events each at most: the server's key queue holds them). */
export const MAX_TYPE_CHARS = 4096;

function reply(res: http.ServerResponse, status: number, body: object | string): void {
  const json = typeof body !== 'string';
  res.writeHead(status, { 'content-type': json ? 'application/json' : 'text/plain', 'cache-control': 'no-store' });
  res.end(json ? `${JSON.stringify(body)}\n` : `${body}\n`);
}

/** Type `text` into the guest's keyboard: Shift around characters that need it (US layout). */
export function typeIntoGuest(app: WebHost, text: string): { typed: number; skipped: number } {
  let typed = 0;
  let skipped = 0;
  for (const ch of text.replace(/\r\n/g, '\n')) {
    let events: [boolean, number][];
    try {
      events = charKeyEvents(ch);
    } catch {
      skipped++;
      continue;
    }
    if (!keysymToSet1(charKeysym(ch))) {
      skipped++; // no key on a US keyboard types it (é, ✓)
      continue;
    }
    for (const [down, sym] of events) app.rfb.input.keyEvent(down, sym);
    typed++;
  }
  return { typed, skipped };
}

export function handleType(app: WebHost, req: http.IncomingMessage, res: http.ServerResponse): void {
  const sec = app.options.webSecurity ?? DEFAULT_WEB_SECURITY;
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  if (!originAllowed(req.headers.origin, req.headers.host, sec.allowOrigins)) return reply(res, 403, `origin ${req.headers.origin} may not type into the guest`);
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_TYPE_CHARS * 4) {
      reply(res, 413, `at most ${MAX_TYPE_CHARS} characters at a time`);
      req.destroy();
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    const text = Buffer.concat(chunks).toString('utf8');
    if ([...text].length > MAX_TYPE_CHARS) return reply(res, 413, `at most ${MAX_TYPE_CHARS} characters at a time`);
    reply(res, 200, typeIntoGuest(app, text));
  });
}
