// The viewer's side of the web port: static files (client/viewer, and noVNC's ES modules straight
// from the @novnc/novnc package) and the once-a-second stats stream (Server-Sent Events).
import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import { createRequire } from 'node:module';
import type { WebHost } from './web-host.js';
import { packageRoot } from '../runtime/package-root.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export function viewerRoot(): string {
  return path.join(packageRoot(), 'client', 'viewer');
}

let novnc: string | null = null;

/** The @novnc/novnc package directory (its core/ and vendor/ are served under /novnc/). */
export function novncRoot(): string {
  if (!novnc) novnc = path.dirname(path.dirname(createRequire(import.meta.url).resolve('@novnc/novnc')));
  return novnc;
}

/** Serve one file below dir; false if rel escapes dir or does not exist. */
export function serveStatic(res: http.ServerResponse, dir: string, rel: string, headOnly: boolean): boolean {
  const file = path.resolve(dir, rel);
  if (!file.startsWith(dir + path.sep)) return false;
  let body: Buffer;
  try {
    body = fs.readFileSync(file);
  } catch {
    return false;
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    'cache-control': 'no-cache',
  });
  res.end(headOnly ? undefined : body);
  return true;
}

/** /viewer/<file> from client/viewer, /novnc/{core,vendor}/<file> from the noVNC package. */
export function serveViewerFile(pathname: string, res: http.ServerResponse, headOnly: boolean): boolean {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  if (rel.includes('\0')) return false;
  if (rel.startsWith('/viewer/')) return serveStatic(res, viewerRoot(), rel.slice('/viewer/'.length), headOnly);
  if (rel.startsWith('/novnc/core/') || rel.startsWith('/novnc/vendor/')) return serveStatic(res, novncRoot(), rel.slice('/novnc/'.length), headOnly);
  return false;
}

/** Once a second: the /stats JSON and the page recency, as one SSE event. */
export function statsStream(app: WebHost, req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const send = () => {
    const body = JSON.stringify({ stats: app.stats(), pages: app.recency.snapshot() });
    res.write(`data: ${body}\n\n`);
  };
  send();
  const timer = setInterval(send, 1000);
  timer.unref();
  const stop = () => clearInterval(timer);
  req.on('close', stop);
  res.on('close', stop);
}
