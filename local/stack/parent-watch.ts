/**
 * Calls `onGone` once when the process that started this one has exited. `npm start` runs the launcher through npm and
 * a shell; when npm is killed (SIGTERM or SIGKILL) it does not always pass the signal on, and the launcher would be
 * re-parented and keep the whole stack running with its ports bound. Node has no parent-death signal, so this polls
 * `process.ppid` (read live from the OS on every access) and reacts when it changes.
 */
export function onParentExit(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
