import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { answersWithBanner, stopChild } from '../../../cli/local/sshd';

/** Where OpenSSH lives on Debian (sshd refuses a relative path). */
const SSHD = '/usr/sbin/sshd';

/**
 * Restarts one of the runtime's sshd servers as a host reboot would: the
 * listener and every session it forked are killed (transfers in flight lose
 * their connection), then sshd starts again from the same config — the same
 * port, the same host key, the same authorized keys.
 */
export class SshdRestarter {
  private child?: ChildProcess;

  constructor(
    private pid: number,
    private readonly config: string,
    private readonly port: number,
  ) {}

  /** Kills the running server and its sessions; resolves once the new one answers with its banner. */
  async restart(): Promise<void> {
    for (const pid of [...descendants(this.pid), this.pid]) signal(pid, 'SIGKILL');
    await waitUntil(async () => !(await answersWithBanner(this.port)));
    const child = spawn(SSHD, ['-D', '-e', '-f', this.config], { stdio: 'ignore' });
    this.child = child;
    this.pid = child.pid!;
    await waitUntil(() => answersWithBanner(this.port));
  }

  /** Stops the server this restarter started (the runtime stops the original). */
  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
  }
}

/** Every process below `pid` (sshd's per-connection monitors and their session processes). */
function descendants(pid: number): number[] {
  let listed: string;
  try {
    listed = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return [];
  }
  const children = listed.trim().split(/\s+/).filter(Boolean).map(Number);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('sshd did not change state within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
