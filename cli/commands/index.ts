import type { Command } from 'commander';
import { register as registerCopy } from './copy';
import { register as registerDashboards } from './dashboards';
import { register as registerDemo } from './demo';
import { register as registerFlows } from './flows';
import { register as registerHarness } from './harness';
import { register as registerLocal } from './local';
import { register as registerRedrive } from './redrive';
import { register as registerReport } from './report';
import { register as registerStatus } from './status';
import { register as registerSynth } from './synth';
import { register as registerWorkflows } from './workflows';

/** Adds every sub-command to the program; one line per command module. */
export function registerCommands(program: Command): void {
  registerCopy(program);
  registerDashboards(program);
  registerDemo(program);
  registerFlows(program);
  registerHarness(program);
  registerLocal(program);
  registerRedrive(program);
  registerReport(program);
  registerStatus(program);
  registerSynth(program);
  registerWorkflows(program);
}
