/**
 * Process bookkeeping for `local up --detach` / `local down`: find the pids of
 * the servers the runtime spawned, and stop exactly those. Every pid is paired
 * with a marker from its command line, so a pid the kernel has since given to
 * another program is never signalled (Linux `/proc`).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The command line of a live process, or `undefined` when there is none with that pid. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return undefined;
  }
}

/**
 * What the command line of the local runtime's process contains: it is a node process;
 * its pid file and endpoints.json must agree on the pid too.
 */
export const RUNTIME_PROCESS_MARKER = 'node';

/** Whether `pid` is alive and its command line contains `marker`. */
export function isRunning(pid: number, marker: string): boolean {
  const line = commandLine(pid);
  return line !== undefined && line.includes(marker) && !isZombie(pid);
}

/** The child of `parentPid` whose command line contains `marker` (the servers the local launchers spawn). */
export function findChild(parentPid: number, marker: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (parentOf(pid) === parentPid && commandLine(pid)?.includes(marker)) return pid;
  }
  return undefined;
}

/**
 * Sends SIGTERM to `pid` if it still runs `marker`, waits up to `timeoutMs` for
 * it to go, then SIGKILLs it. Resolves `true` when the process was found.
 */
export async function terminate(pid: number, marker: string, timeoutMs = 10_000): Promise<boolean> {
  if (!isRunning(pid, marker)) return false;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid, marker)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      await sleep(50);
      break;
    }
    await sleep(25);
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone in the meantime
  }
}

function parentOf(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? Number(fields[1]) : undefined;
}

function isZombie(pid: number): boolean {
  return statFields(pid)?.[0] === 'Z';
}

/** `/proc/<pid>/stat` after the command name: state, ppid, … */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
