// An ONNX file's structure as loading needs it: the skeleton (the graph with its weights left in the file) and
// its scan. Whatever is wrong with the file, the caller gets one message that names it.
import { LensError } from '../types';
import { scanModel, type GraphSummary } from './graphScan';
import { readModelSkeleton } from './modelSkeleton';
import { ProtobufError } from './protobuf';

export interface ModelGraph {
  skeleton: Uint8Array;
  graph: GraphSummary;
}

/** Reads the model at `onnxPath`; `relative` names it in messages (e.g. onnx/model.onnx). */
export async function readModelGraph(onnxPath: string, relative: string): Promise<ModelGraph> {
  try {
    const skeleton = await readModelSkeleton(onnxPath);
    return { skeleton, graph: scanModel(skeleton) };
  } catch (error) {
    const detail =
      error instanceof ProtobufError
        ? `it is not a valid ONNX file (${error.message}); the file may be truncated or corrupt`
        : (error as Error).message;
    throw new LensError(`cannot read ${relative}: ${detail}`, 'model-invalid');
  }
}
