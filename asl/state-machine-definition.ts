import { PolicyStatement, mergePolicyStatements } from './iam';
import { JsonObject, compact } from './json';
import { IChainable, State } from './state';

/** Top-level options of a state machine. */
export interface StateMachineDefinitionProps {
  /** The machine's `Comment`. @default no comment */
  readonly comment?: string;
  /** Fails the execution after this many seconds. @default none (Standard workflows run up to a year) */
  readonly timeoutSeconds?: number;
}

/** A rendered ASL state machine (JSONPath only). */
export interface AslDefinition extends JsonObject {
  /** Name of the first state. */
  StartAt: string;
  /** Every top-level state by name. */
  States: JsonObject;
}

/**
 * Renders a chain to an ASL definition and collects the IAM its Tasks need.
 *
 * Rendering happens once, in the constructor, so every validation error
 * (duplicate names, a Choice without rules, …) surfaces where the workflow is
 * defined, and later changes to the states do not leak into this snapshot.
 */
export class StateMachineDefinition {
  private readonly asl: AslDefinition;
  private readonly statements: PolicyStatement[] = [];
  /** Which graph each state name was first rendered in: ASL names are unique machine-wide. */
  private readonly owners = new Map<string, { state: State; graph: object }>();

  /** @param definition the chain (or single state) the machine starts with */
  constructor(definition: IChainable, props: StateMachineDefinitionProps = {}) {
    const graph = this.renderGraph(definition.startState);
    this.asl = compact({
      Comment: props.comment,
      StartAt: graph.StartAt,
      States: graph.States,
      TimeoutSeconds: props.timeoutSeconds,
    }) as AslDefinition;
  }

  /** The ASL object; a fresh copy on each call, as some consumers (asl-validator) mutate their input. */
  public toAsl(): AslDefinition {
    return structuredClone(this.asl);
  }

  /** The ASL as JSON text, for `aws_sfn_state_machine.definition`. */
  public toJson(space?: number): string {
    return JSON.stringify(this.asl, undefined, space);
  }

  /** IAM of every Task in the machine, branches and item processors included, merged and de-duplicated. */
  public policyStatements(): PolicyStatement[] {
    return mergePolicyStatements(this.statements);
  }

  /** Renders the states reachable from `start` through Next, Choice and Catch transitions. */
  private renderGraph(start: State): { StartAt: string; States: JsonObject } {
    const states: JsonObject = {};
    const graph = {}; // identity of this graph, distinct even when two graphs start at one state
    const seen = new Set<State>();
    const queue: State[] = [start];
    while (queue.length) {
      const state = queue.shift()!;
      if (seen.has(state)) continue;
      seen.add(state);
      this.claimName(state, graph);
      states[state.id] = structuredClone(state.toStateJson((nested) => this.renderGraph(nested)));
      this.statements.push(...state.policyStatements());
      queue.push(...state.flowTargets(), ...state.catchTargets());
    }
    return { StartAt: start.id, States: states };
  }

  /**
   * Two states with one name, or one state object reached from two graphs
   * (e.g. the machine and a Parallel branch), would be ambiguous in ASL.
   */
  private claimName(state: State, graph: object): void {
    const owner = this.owners.get(state.id);
    if (owner && (owner.state !== state || owner.graph !== graph)) {
      throw new Error(
        `Duplicate state name '${state.id}': names must be unique across the whole state machine, ` +
          'including Parallel branches and Map item processors',
      );
    }
    this.owners.set(state.id, { state, graph });
  }
}
