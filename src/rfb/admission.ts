// Who gets in, and who makes way: the share policy at ClientInit (QEMU's -vnc share=...), the cap
// on established clients, and the cap on handshakes in progress, kept apart so that connections
// that stop halfway cannot lock real viewers out.
import type { SessionState } from './session/state.js';

/** What admission sees of a session. */
export interface Admittable {
  readonly state: SessionState;
  /** It asked for exclusive access (ClientInit shared-flag 0). */
  readonly exclusive: boolean;
  /** performance.now() of its last bytes received. */
  readonly lastActivity: number;
  close(reason: string): void;
}

/**
 * QEMU's share policies (ui/vnc.c protocol_client_init):
 *  - allow-exclusive (RFC 6143's suggestion, the default): a client with shared-flag 0 disconnects
 *    every other client; while such a client is connected, shared ones are refused;
 *  - force-shared: a client asking for exclusive access is refused (nobody forgetting -shared
 *    disconnects the others);
 *  - ignore: the shared flag means nothing; everyone gets in (QEMU's old behaviour).
 */
export const SHARE_POLICIES = ['allow-exclusive', 'force-shared', 'ignore'] as const;
export type SharePolicy = (typeof SHARE_POLICIES)[number];

export interface AdmissionLimits {
  share: SharePolicy;
  /** Established clients (past ClientInit). */
  maxClients: number;
}

/**
 * A session's ClientInit: null to let it in (after disconnecting whom the policy says), else the
 * reason it is refused.
 */
export function admitAtClientInit(session: Admittable, shared: boolean, all: Iterable<Admittable>, limits: AdmissionLimits): string | null {
  const others = [...all].filter((s) => s !== session && s.state === 'Normal');
  const exclusiveOther = others.some((s) => s.exclusive);
  if (limits.share === 'force-shared' && !shared) return 'refused: it asked for exclusive access (shared-flag 0) and the server is --share force-shared';
  if (limits.share === 'allow-exclusive') {
    if (!shared) {
      for (const s of others) s.close('another client connected with shared-flag 0');
      return null;
    }
    if (exclusiveOther) return 'refused: a client with exclusive access (shared-flag 0) is connected';
  }
  if (others.length >= limits.maxClients) return `refused: already ${others.length} clients (max ${limits.maxClients})`;
  return null;
}

/** Sessions still in the handshake (past the TCP accept, before ClientInit). */
export function pendingSessions<S extends Admittable>(all: Iterable<S>): S[] {
  const out: S[] = [];
  for (const s of all) if (s.state !== 'Normal' && s.state !== 'Closed') out.push(s);
  return out;
}

/** The handshake that has been quiet longest: the one to make way when handshakes are full. */
export function stalestHandshake<S extends Admittable>(pending: readonly S[]): S | null {
  let best: S | null = null;
  for (const s of pending) if (best === null || s.lastActivity < best.lastActivity) best = s;
  return best;
}
