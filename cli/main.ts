/**
 * `fileflow` command line: every sub-command lives in `cli/commands/<name>.ts`
 * and exports a `register(program)` function.
 */
import { Command } from 'commander';
import { registerCommands } from './commands';

const program = new Command('fileflow')
  .description('Managed file transfer on AWS: S3 and SFTP, with a local runtime on real servers')
  .showHelpAfterError();

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const error = err as Error;
  process.stderr.write(`${error.name ?? 'Error'}: ${error.message}\n`);
  process.exitCode = 1;
});
