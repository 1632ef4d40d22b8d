import { spawnSync } from 'node:child_process';

/**
 * Separate "hosts" on this machine for the multi-host tests: each one a network namespace (and,
 * for each process started in it, a UTS namespace with a hostname of its own) that reaches the
 * machine over a veth pair, as a second machine reaches a database server over its network.
 * Where namespaces cannot be made (no root, no `ip`), every host is loopback, and `isolated`
 * says so, so that the test can print which it ran.
 */
export interface Hosts {
  /** Whether the hosts are network namespaces (true) or all loopback (false), and why not. */
  isolated: boolean;
  why?: string;
  /** The address on which host i (0-based) reaches the machine: its veth peer, or 127.0.0.1. */
  gateway(i: number): string;
  /** The command line that runs argv on host i, named `name` (its hostname). */
  command(i: number, argv: string[]): string[];
  /** Removes the namespaces and their links. */
  remove(): void;
}

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

/** Namespaces of test processes that died before removing theirs (kill -9 of a test run). */
function sweep(): void {
  const names = ip('netns', 'list')
    .stdout.split('\n')
    .map((line) => line.split(' ')[0]!);
  for (const name of names) {
    const owner = /^tune-(\d+)-h\d+$/.exec(name)?.[1];
    if (owner === undefined) continue;
    try {
      process.kill(Number(owner), 0);
    } catch {
      ip('netns', 'del', name);
    }
  }
}

/** `count` hosts; `subnet` is the second octet of their 10.x.i.0/24 networks (one per test file). */
export function makeHosts(count: number, subnet: number): Hosts {
  // veth names have at most 15 characters: the pid's last five digits tell runs apart.
  const tag = (process.pid % 100000).toString();
  const made: string[] = [];
  sweep();
  const remove = () => {
    for (const ns of made.splice(0)) ip('netns', 'del', ns);
  };
  try {
    for (let i = 0; i < count; i++) {
      const ns = `tune-${process.pid}-h${i}`;
      const outside = `tv${tag}o${i}`;
      const inside = `tv${tag}i${i}`;
      const steps = [
        ['netns', 'add', ns],
        ['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside],
        ['link', 'set', inside, 'netns', ns],
        ['addr', 'add', `10.${subnet}.${i}.1/24`, 'dev', outside],
        ['link', 'set', outside, 'up'],
        ['-n', ns, 'addr', 'add', `10.${subnet}.${i}.2/24`, 'dev', inside],
        ['-n', ns, 'link', 'set', inside, 'up'],
        ['-n', ns, 'link', 'set', 'lo', 'up'],
      ];
      for (const step of steps) {
        const run = ip(...step);
        if (run.error || run.status !== 0) throw new Error(`ip ${step.join(' ')}: ${run.error?.message ?? run.stderr.trim()}`);
        if (step[0] === 'netns') made.push(ns);
      }
    }
  } catch (err) {
    remove();
    return {
      isolated: false,
      why: (err as Error).message,
      gateway: () => '127.0.0.1',
      command: (_i, argv) => argv,
      remove: () => {},
    };
  }
  return {
    isolated: true,
    gateway: (i) => `10.${subnet}.${i}.1`,
    command: (i, argv) => ['ip', 'netns', 'exec', made[i]!, 'unshare', '--uts', 'sh', '-c', `hostname tune-host-${i} && exec "$@"`, 'sh', ...argv],
    remove,
  };
}
