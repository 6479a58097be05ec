// What the web port serves from: the composition root (app.ts) or a library server (index.ts).
import type { Surface } from '../display/surface.js';
import type { RfbServer } from '../rfb/server.js';
import type { WebSecurityOptions } from './web-security.js';

/** What the web port serves from: the composition root (app.ts) or a library server (index.ts). */
export interface WebHost {
  readonly options: { readonly webSecurity?: WebSecurityOptions; readonly log: (line: string) => void };
  /** The ground truth for /screenshot.png (the VGA device renders it from VRAM now). */
  readonly device: { screenshot(): Surface };
  /** The heat map's page ages for /stats/pages. */
  readonly recency: { snapshot(): object };
  readonly rfb: RfbServer;
  stats(): object;
}
