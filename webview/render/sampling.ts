// Temperature, top-k and top-p applied to the model's whole distribution at one position (its logits over the
// vocabulary, fetched from the host), and surprisal. Pure functions.

export interface SamplingControls {
  temperature: number;
  /** The most tokens kept; TOP_K_ALL keeps the whole vocabulary. */
  topK: number;
  topP: number;
}

/** The top-k setting that keeps every id. */
export const TOP_K_ALL = 0;

/** The lowest temperature the controls offer: below it softmax(logits / T) is a one-hot in float64. */
export const MIN_TEMPERATURE = 0.05;

/** A position's logits and its ids ranked by them (the order every temperature keeps). */
export interface Distribution {
  logits: Float32Array;
  /** Vocabulary ids, highest logit first; the lower id first among equals. */
  order: Uint32Array;
  /** Text of the best ids, from the host (the webview has no tokenizer). */
  labels: ReadonlyMap<number, string>;
}

export function rankDistribution(logits: Float32Array, labels: ReadonlyMap<number, string>): Distribution {
  const order = Uint32Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  return { logits, order, labels };
}

export interface Sampled {
  /** softmax(logits), the model's own probabilities, in `order`. */
  model: Float64Array;
  /** After temperature, top-k and top-p, re-normalised over what is kept, in `order`; 0 past `kept`. */
  adjusted: Float64Array;
  /** How many of the best ids are kept. */
  kept: number;
  /** The model's probability mass of the kept ids. */
  keptMass: number;
}

/** exp((logit − max) / T) in `order`, and their sum in that order. */
function exponentials(d: Distribution, temperature: number): { weights: Float64Array; sum: number } {
  const n = d.order.length;
  const max = n ? d.logits[d.order[0]] : 0;
  const weights = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i] = Math.exp((d.logits[d.order[i]] - max) / temperature);
  return { weights, sum };
}

/**
 * softmax(logits / T) over the whole vocabulary, then the k best, then the fewest best whose mass (of the top-k,
 * re-normalised) reaches p, as common samplers order them; at least one id is always kept. At T = 1, top-k = all
 * and top-p = 1 the result is the model's distribution, bit for bit: the same exponentials summed in the same order.
 */
export function sample(d: Distribution, controls: SamplingControls): Sampled {
  const n = d.order.length;
  const model = exponentials(d, 1);
  const t = Math.max(MIN_TEMPERATURE, controls.temperature);
  const tempered = t === 1 ? model : exponentials(d, t);
  const k = controls.topK === TOP_K_ALL ? n : Math.max(1, Math.min(n, Math.floor(controls.topK)));
  let kept = k;
  if (controls.topP < 1) {
    let sumK = 0;
    for (let i = 0; i < k; i++) sumK += tempered.weights[i];
    let cumulative = 0;
    kept = 0;
    while (kept < k) {
      cumulative += tempered.weights[kept] / sumK;
      kept++;
      if (cumulative >= controls.topP) break;
    }
  }
  let sumKept = 0;
  let keptMass = 0;
  for (let i = 0; i < kept; i++) sumKept += tempered.weights[i];
  const adjusted = new Float64Array(n);
  const modelProbabilities = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    modelProbabilities[i] = model.weights[i] / model.sum;
    if (i < kept) {
      adjusted[i] = tempered.weights[i] / sumKept;
      keptMass += modelProbabilities[i];
    }
  }
  return { model: modelProbabilities, adjusted, kept, keptMass };
}

/** A probability as the views print it: four decimals, or three significant digits when smaller. */
export function formatProbability(p: number): string {
  return p >= 0.0001 || p === 0 ? p.toFixed(4) : p.toExponential(2);
}

/** −log2 p in bits; null when there is no probability (first token). */
export function surprisalBits(probability: number | null): number | null {
  if (probability === null || !(probability >= 0)) return null;
  return -Math.log2(Math.max(probability, 1e-30));
}
