// Where client input goes: the guest's input devices implement this (the session knows no devices).

export interface InputSink {
  keyEvent(down: boolean, keysym: number, keycode?: number): void;
  pointerEvent(buttonMask: number, x: number, y: number): void;
  /** ClientCutText, decoded from Latin-1 as RFC 6143 §7.5.6 says. */
  cutText(text: string): void;
}

