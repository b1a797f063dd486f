import type { Command } from 'commander';
import { register as registerCopy } from './copy';
import { register as registerStart } from './start';

/** Adds every sub-command to the program; one line per command module. */
export function registerCommands(program: Command): void {
  registerCopy(program);
  registerStart(program);
}
