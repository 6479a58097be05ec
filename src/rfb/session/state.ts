// The session's states and the moves between them (one transition() checks every move).

export type SessionState = 'ProtocolVersion' | 'Security' | 'Authentication' | 'ClientInit' | 'Normal' | 'Closed';

const LEGAL: Record<SessionState, readonly SessionState[]> = {
  ProtocolVersion: ['Security', 'Closed'],
  Security: ['Authentication', 'Closed'],
  Authentication: ['ClientInit', 'Closed'],
  ClientInit: ['Normal', 'Closed'],
  Normal: ['Closed'],
  Closed: [],
};

/** `to`, if the move from `from` is legal; throws otherwise. */
export function checkedTransition(from: SessionState, to: SessionState): SessionState {
  if (!LEGAL[from].includes(to)) throw new Error(`illegal session transition ${from} -> ${to}`);
  return to;
}
