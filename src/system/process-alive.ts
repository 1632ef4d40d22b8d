/**
 * Whether process `pid` of this host still runs. Crash recovery uses it: a kill -9 leaves no
 * trace but the pid it wrote, so a dead pid is how a leftover is told from a live writer's.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as { code?: unknown }).code === 'EPERM';
  }
}
