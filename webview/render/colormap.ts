// Viridis as a 256-entry lookup table of packed RGBA pixels, so heatmaps are filled with one array read per
// weight. Viridis is perceptually uniform and legible with the common colour-vision deficiencies.

// Polynomial fit of matplotlib's viridis (max error < 0.5 %), evaluated once.
const C: readonly (readonly [number, number, number])[] = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

export type Rgb = readonly [number, number, number];

export function viridis(t: number): Rgb {
  const x = Math.min(1, Math.max(0, t));
  const out: number[] = [0, 0, 0];
  for (let ch = 0; ch < 3; ch++) {
    let v = C[6][ch];
    for (let i = 5; i >= 0; i--) v = v * x + C[i][ch];
    out[ch] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return [out[0], out[1], out[2]];
}

export interface ColorLut {
  /** Packed RGBA in platform byte order, for a Uint32Array view of ImageData.data. */
  packed: Uint32Array;
  /** The same colours as CSS strings (legends, SVG export). */
  css: string[];
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function pack(r: number, g: number, b: number): number {
  return littleEndian ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

/**
 * Light themes get the reversed scale, with its lowest third blended from white: near-zero weights fade into
 * the page and strong weights are dark "ink". Lightness still falls monotonically, so the order reads without
 * hue. Dark and high-contrast themes keep viridis as it is (dark for zero).
 */
// Below this (on the √ scale, i.e. about a tenth of the ceiling) colours fade to white in light themes.
const LIGHT_FADE = 0.35;

export function makeLut(light: boolean): ColorLut {
  const packed = new Uint32Array(256);
  const css: string[] = [];
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let [r, g, b] = viridis(light ? 1 - t : t);
    if (light && t < LIGHT_FADE) {
      const w = t / LIGHT_FADE;
      [r, g, b] = [r, g, b].map((c) => Math.round(255 * (1 - w) + c * w));
    }
    packed[i] = pack(r, g, b);
    css.push(`rgb(${r},${g},${b})`);
  }
  return { packed, css };
}

// √t quantised to LUT indices, so the per-pixel work is a multiply and two array reads (no sqrt, no branch
// beyond the clamp): rasterising 1M cells stays well inside a frame budget.
const SQRT_STEPS = 4096;
const SQRT_INDEX = new Uint8Array(SQRT_STEPS + 1);
for (let i = 0; i <= SQRT_STEPS; i++) SQRT_INDEX[i] = Math.min(255, Math.round(Math.sqrt(i / SQRT_STEPS) * 255));

/**
 * Maps a weight in [0, max] to a LUT index (invMax = 1 / max). Attention is heavy-tailed (a few weights near
 * 1, most near 0), so a square-root scale keeps the weak structure visible; tooltips always show the value.
 */
export function lutIndex(value: number, invMax: number): number {
  const t = value * invMax * SQRT_STEPS;
  return SQRT_INDEX[t >= SQRT_STEPS ? SQRT_STEPS : t > 0 ? t | 0 : 0];
}
