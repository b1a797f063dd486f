import { JsonObject, compact } from '../json';
import { INextable, InputOutputProps, State } from '../state';

/** Ends the execution successfully: the ASL `Succeed` state. Nothing can follow it. */
export class Succeed extends State {
  /** No open end: chaining after a Succeed throws. */
  public readonly endStates: INextable[] = [];

  /** @param name state name, unique across the whole machine */
  constructor(
    name: string,
    private readonly props: InputOutputProps = {},
  ) {
    super(name);
    this.checkIo(props);
  }

  /** {@inheritDoc State.toStateJson} */
  public toStateJson(): JsonObject {
    return compact({ Type: 'Succeed', Comment: this.props.comment, ...this.renderIo(this.props) }) as JsonObject;
  }
}
