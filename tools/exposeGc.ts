// The garbage collector as a function, for measurements that need settled memory (the benchmark, the soak).
// Exposed at run time, so neither needs a node flag; worker threads started afterwards get `gc` too.
import * as v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

export function garbageCollector(): () => void {
  v8.setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}
