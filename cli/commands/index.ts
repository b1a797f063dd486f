import type { Command } from 'commander';
import { register as registerCopy } from './copy';
import { register as registerFlows } from './flows';
import { register as registerLocal } from './local';
import { register as registerStart } from './start';

/** Adds every sub-command to the program; one line per command module. */
export function registerCommands(program: Command): void {
  registerCopy(program);
  registerFlows(program);
  registerLocal(program);
  registerStart(program);
}
