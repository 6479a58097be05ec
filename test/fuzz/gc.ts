// Test helper: a real garbage collection (for heap figures), and the process's live handles.
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gcFn = vm.runInNewContext('gc') as () => void;

/**
 * Collect garbage (a few times: finalizers free more) and return the memory in use: the JS heap
 * plus ArrayBuffer backing stores (where Buffers live, outside heapUsed).
 */
export async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gcFn();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Live handles by kind (sockets, timers, servers). */
export function handleCount(): number {
  return process.getActiveResourcesInfo().filter((k) => k !== 'TTYWrap').length;
}
