// Canvas plumbing shared by the views: device-pixel sizing, one redraw per animation frame, and text fitting.

/** Sizes the canvas backing store to its CSS box × devicePixelRatio; returns a context scaled to CSS px. */
export function fitCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D {
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
 * lines still end at the bottom, without a page scrollbar.
 */
export function heightToBottom(el: HTMLElement, min: number): number {
  return Math.max(min, Math.floor(window.innerHeight - el.getBoundingClientRect().top - 8));
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

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** An SVG document wrapping a raster (heatmaps: one <image>, never an element per weight) plus a title. */
export function svgWithImage(canvas: HTMLCanvasElement, title: string, bg: string, fg: string): string {
  const w = canvas.width / (window.devicePixelRatio || 1);
  const h = canvas.height / (window.devicePixelRatio || 1);
  const href = canvas.toDataURL('image/png');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h + 24}" viewBox="0 0 ${w} ${h + 24}">`,
    `<rect width="100%" height="100%" fill="${escapeXml(bg)}"/>`,
    `<text x="4" y="16" font-family="sans-serif" font-size="13" fill="${escapeXml(fg)}">${escapeXml(title)}</text>`,
    `<image x="0" y="24" width="${w}" height="${h}" href="${href}"/>`,
    '</svg>',
  ].join('');
}
