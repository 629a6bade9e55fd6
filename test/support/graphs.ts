// Graph summaries built by hand, for tests of what the core reads from a graph's structure.
import type { GraphNode, GraphSummary } from '../../src/core/onnx/graphScan';

/** A top-level node (no bytes behind it: only what the structure readers look at). */
export const node = (name: string, opType: string, inputs: string[], outputs: string[], domain = ''): GraphNode => ({
  name,
  opType,
  domain,
  inputs,
  outputs,
});

/** A summary of `nodes` at opset 14, with input_ids in and logits out unless `extra` says otherwise. */
export function summary(nodes: GraphNode[], extra: Partial<GraphSummary> = {}): GraphSummary {
  return {
    opsets: new Map([['', 14]]),
    nodes,
    inputs: ['input_ids'],
    outputs: ['logits'],
    externalDataLocations: [],
    subgraphOpTypes: new Set(),
    initializerFields: new Map(),
    inputFields: new Map(),
    modelFields: [],
    ...extra,
  };
}
