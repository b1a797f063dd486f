/** The poller Lambda's own environment variables (besides the tracking tables'), shared by the handler and the construct. */

/** Pull servers by `endpointRef`, as JSON (`PullSourceEndpoints`). */
export const PULL_SOURCES_VARIABLE = 'FILEFLOW_PULL_SOURCES';

/** The transfer state machine the poller starts executions on. */
export const TRANSFER_STATE_MACHINE_VARIABLE = 'FILEFLOW_TRANSFER_STATE_MACHINE_ARN';
