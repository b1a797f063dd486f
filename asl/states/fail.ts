import { JsonObject, compact } from '../json';
import { INextable, State, StateProps } from '../state';

/**
 * Options of a {@link Fail} state; each of error and cause is either fixed or
 * read from the input. AWS also takes intrinsic functions in `ErrorPath` and
 * `CausePath`, but aws-local-stepfunctions 3 evaluates only paths there, so
 * only paths are accepted to keep one definition runnable in both.
 */
export interface FailProps extends StateProps {
  /** Fixed error name. @default no error name */
  readonly error?: string;
  /** JSONPath to the error name. @default no error name */
  readonly errorPath?: string;
  /** Fixed human-readable cause. @default no cause */
  readonly cause?: string;
  /** JSONPath to the cause. @default no cause */
  readonly causePath?: string;
}

/** Ends the execution as failed: the ASL `Fail` state. Nothing can follow it. */
export class Fail extends State {
  /** No open end: chaining after a Fail throws. */
  public readonly endStates: INextable[] = [];

  /** @param name state name, unique across the whole machine */
  constructor(
    name: string,
    private readonly props: FailProps = {},
  ) {
    super(name);
    if (props.error !== undefined && props.errorPath !== undefined) {
      throw new Error(`State '${name}': set error or errorPath, not both`);
    }
    if (props.cause !== undefined && props.causePath !== undefined) {
      throw new Error(`State '${name}': set cause or causePath, not both`);
    }
    this.checkPath('ErrorPath', props.errorPath);
    this.checkPath('CausePath', props.causePath);
  }

  /** {@inheritDoc State.toStateJson} */
  public toStateJson(): JsonObject {
    return compact({
      Type: 'Fail',
      Comment: this.props.comment,
      Error: this.props.error,
      ErrorPath: this.props.errorPath,
      Cause: this.props.cause,
      CausePath: this.props.causePath,
    }) as JsonObject;
  }
}
