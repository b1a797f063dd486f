/**
 * `fileflow workflows put|list`: the workflow definitions in the
 * `WorkflowDefinition` table, of an AWS deployment (`--prefix` or
 * `$FILEFLOW_NAME_PREFIX`) or of the local runtime (`--local`).
 *
 * `put` checks every file before it stores any: a bad file is refused with
 * one line per problem, `FILE: $.json.path: message`. With `--local`, `local:`
 * placeholders are resolved first (see `cli/runtime/local-placeholders.ts`).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { StoredWorkflow } from '../../functions/core/tracking/repository';
import { formatIssues, workflowDefinitionSchema } from '../../functions/core/tracking/records';
import {
  action,
  openTrackingTarget,
  printResult,
  withTrackingTargetOptions,
  type TrackingTargetOptions,
} from '../runtime/cli-support';
import { placeholderIssues, putLocalWorkflow } from '../runtime/local-placeholders';

/** Thrown when some file is not a valid workflow definition; each line is `FILE: $.path: message`. */
export class InvalidWorkflowFilesError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(`${lines.length} problem(s) in workflow definition files; nothing was stored`);
    this.name = 'InvalidWorkflowFilesError';
  }
}

/** Registers `workflows put|list`. */
export function register(program: Command): void {
  const workflows = program
    .command('workflows')
    .description('Store and list workflow definitions (routing, targets, retries)');
  withTrackingTargetOptions(
    workflows
      .command('put')
      .description('Validate workflow definition files and store them (all or none)')
      .argument('<files...>', 'workflow definition JSON files'),
  ).action(
    action(async (files: string[], options: TrackingTargetOptions) => {
      const definitions = await checkFiles(files, options);
      const target = await openTrackingTarget(options);
      try {
        const stored: StoredWorkflow[] = [];
        for (const definition of definitions) {
          stored.push(
            target.endpoints
              ? await putLocalWorkflow(target.repository, definition, target.endpoints)
              : await target.repository.putWorkflow(definition),
          );
        }
        printResult(options.json, stored, stored.map(workflowRow));
      } finally {
        target.close();
      }
    }),
  );
  withTrackingTargetOptions(workflows.command('list').description('List the stored workflow definitions')).action(
    action(async (options: TrackingTargetOptions) => {
      const target = await openTrackingTarget(options);
      try {
        const stored = await target.repository.listWorkflows();
        printResult(options.json, stored, stored.map(workflowRow));
      } finally {
        target.close();
      }
    }),
  );
}

/** Reads and validates every file; throws with every problem of every file at once. */
async function checkFiles(files: readonly string[], options: TrackingTargetOptions): Promise<unknown[]> {
  const lines: string[] = [];
  const definitions: unknown[] = [];
  for (const file of files) {
    let definition: unknown;
    try {
      definition = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      lines.push(
        `${file}: $: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON (${(error as Error).message})`}`,
      );
      continue;
    }
    const result = workflowDefinitionSchema.safeParse(definition);
    if (!result.success) lines.push(...formatIssues(result.error.issues).map((line) => `${file}: ${jsonPath(line)}`));
    for (const issue of placeholderIssues(definition, options.local ? 'local' : 'aws')) {
      lines.push(`${file}: ${issue.path}: ${issue.message}`);
    }
    definitions.push(definition);
  }
  if (lines.length > 0) {
    process.stderr.write(`${lines.join('\n')}\n`);
    throw new InvalidWorkflowFilesError(lines);
  }
  return definitions;
}

/** `targets[1].port: message` → `$.targets[1].port: message`; `(root): …` → `$: …`. */
function jsonPath(line: string): string {
  if (line.startsWith('(root)')) return `$${line.slice('(root)'.length)}`;
  return line.startsWith('[') ? `$${line}` : `$.${line}`;
}

function workflowRow({ definition, updatedAt }: StoredWorkflow): Record<string, unknown> {
  const source =
    definition.source.type === 's3'
      ? `s3://${definition.source.bucket}/${definition.sourcePrefix}`
      : `sftp://${definition.source.endpointRef}/${definition.sourcePrefix}`;
  return {
    workflow: definition.id,
    enabled: definition.enabled,
    source,
    targets: definition.targets
      .map((t) => (t.type === 's3' ? `${t.id} (s3://${t.bucket}/${t.prefix})` : `${t.id} (sftp://${t.host}:${t.port})`))
      .join(', '),
    postAction: definition.postAction ? definition.postAction.action : '',
    updatedAt,
  };
}
