import { PolicyStatement } from '../iam';
import { JsonObject, compact } from '../json';
import { ResultSelectorProps, RetryableState } from '../state';
import { TaskIntegration } from '../task-integration';

/** Options of a {@link Task} state. */
export interface TaskProps extends ResultSelectorProps {
  /** The service call, built with a {@link TaskIntegration} factory. */
  readonly integration: TaskIntegration;
  /** Fails the state with `States.Timeout` after this many seconds. @default 99999999 (ASL) */
  readonly timeoutSeconds?: number;
}

/** Calls a service: the ASL `Task` state. Declares the IAM its integration needs. */
export class Task extends RetryableState {
  /** @param name state name, unique across the whole machine */
  constructor(
    name: string,
    private readonly props: TaskProps,
  ) {
    super(name);
    this.checkIo(props);
    this.checkTemplate('Parameters', props.integration.parameters);
  }

  /** {@inheritDoc State.policyStatements} */
  public policyStatements(): PolicyStatement[] {
    return this.props.integration.policyStatements;
  }

  /** {@inheritDoc State.toStateJson} */
  public toStateJson(): JsonObject {
    const { inputPath, ...results } = this.props;
    return compact({
      Type: 'Task',
      Comment: this.props.comment,
      Resource: this.props.integration.resource,
      ...this.renderIo({ inputPath }),
      Parameters: this.props.integration.parameters,
      ...this.renderIo(results),
      TimeoutSeconds: this.props.timeoutSeconds,
      ...this.renderRetryCatch(),
      ...this.renderNext(),
    }) as JsonObject;
  }
}
