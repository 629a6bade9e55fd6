// Canvas plumbing shared by the views: device-pixel sizing, one redraw per animation frame, text fitting, and
// the hook through which an export draws a view onto another surface.
import { SvgPath, SvgSurface } from './svgSurface';

/** Opens the surface an export draws on, once the view says how large its picture is (CSS px). */
type SurfaceOpener = (cssWidth: number, cssHeight: number) => CanvasRenderingContext2D;
let capture: SurfaceOpener | null = null;

/**
 * Runs a view's own drawing code with its next fitCanvas call answered by `open` instead of its canvas: the
 * export gets the same picture at another scale, or as SVG, without a second copy of each view's drawing.
 */
export function captureDrawing(draw: () => void, open: SurfaceOpener): void {
  let opened = false;
  capture = (w, h) => {
    opened = true;
    return open(w, h);
  };
  try {
    draw();
  } finally {
    capture = null;
  }
  if (!opened) throw new Error('the view drew nothing');
}

/** A path for `ctx`: one the SVG surface can read back, or a canvas Path2D. */
export function newPath(ctx: CanvasRenderingContext2D): Path2D {
  return (ctx as unknown) instanceof SvgSurface ? (new SvgPath() as unknown as Path2D) : new Path2D();
}

/** Sizes the canvas backing store to its CSS box × devicePixelRatio; returns a context scaled to CSS px. */
export function fitCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D {
  if (capture) {
    const open = capture;
    capture = null;
    return open(cssWidth, cssHeight);
  }
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(cssWidth * dpr));
  const h = Math.max(1, Math.round(cssHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('2D canvas is not available');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/**
 * The height from el's top to the bottom of the window (at least min): views whose caption wraps to more
 * lines still end at the bottom, without a page scrollbar. Inside an element marked data-view-bottom (a notebook
 * output, one of many on its page) they end at that element's bottom instead.
 */
export function heightToBottom(el: HTMLElement, min: number): number {
  const bottom = el.closest<HTMLElement>('[data-view-bottom]')?.getBoundingClientRect().bottom ?? window.innerHeight;
  return Math.max(min, Math.floor(bottom - el.getBoundingClientRect().top - 8));
}

/** Coalesces many requests (mouse moves, state changes) into one call per frame. */
export function frameScheduler(draw: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  };
}

/** Shortens text with an ellipsis to fit maxWidth (measured with the context's current font). */
export function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(text.slice(0, mid) + '…').width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? text.slice(0, lo) + '…' : '';
}

export function canvasToPng(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error('the canvas could not be encoded as PNG'));
      blob.arrayBuffer().then((b) => resolve(new Uint8Array(b)), reject);
    }, 'image/png');
  });
}
