// The top-k a hover shows, asked of the worker one token at a time (a scan's window replies leave it out): the
// worker answers from what the token's window kept, or runs it again up to the token (SurprisalScan.topAt). A few
// recent answers are kept here too, so moving the pointer back over a token, or VS Code asking twice, costs no
// message.
import type { InferenceEngine } from '../worker/inferenceEngine';
import type { Prediction } from '../types';

/** Answers kept, across documents; the least recently used goes first. */
export const MAX_TOP_K_ANSWERS = 32;

export class TopKAnswers {
  /** By document, then `generation index topK`; a pending answer is kept too, so a second ask waits on it. */
  private readonly answers = new Map<string, Promise<Prediction[]>>();
  /** Requests sent to the worker (tests count them). */
  asked = 0;

  constructor(
    private readonly engine: Pick<InferenceEngine, 'request'>,
    private readonly capacity = MAX_TOP_K_ANSWERS,
  ) {}

  /** The top-k before token `index` of the plan `generation` of document `key`. */
  at(key: string, generation: number, index: number, topK: number): Promise<Prediction[]> {
    const id = `${key}\n${generation} ${index} ${topK}`;
    let answer = this.answers.get(id);
    if (answer) {
      // Most recently used last, so the first is the one to forget.
      this.answers.delete(id);
      this.answers.set(id, answer);
      return answer;
    }
    this.asked++;
    answer = this.engine.request('surprisalTop', { key, generation, index, topK });
    this.answers.set(id, answer);
    // A failed ask (superseded by a newer hover, a plan the worker no longer has) is not kept: the next may succeed.
    answer.catch(() => {
      if (this.answers.get(id) === answer) this.answers.delete(id);
    });
    for (const old of this.answers.keys()) if (this.answers.size > this.capacity) this.answers.delete(old);
    return answer;
  }

  /**
   * Forgets a document's answers: called at each new plan, since a plan's generation restarts when the worker
   * forgets a scan (a new model, a replaced worker), so an old answer could otherwise match a new plan's key.
   */
  forget(key: string): void {
    for (const id of this.answers.keys()) if (id.startsWith(`${key}\n`)) this.answers.delete(id);
  }

  clear(): void {
    this.answers.clear();
  }

  get size(): number {
    return this.answers.size;
  }
}
