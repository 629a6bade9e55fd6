// A drawing surface with the part of CanvasRenderingContext2D the views use, that writes SVG elements instead of
// pixels: an export hands it to a view's own drawing code (see captureDrawing in canvas.ts), so the SVG holds the
// same picture as real vector shapes. A raster the view draws (a heatmap's one pixel per cell) becomes rects:
// equal neighbouring pixels merge into one rect, and the rects of one colour share one path.

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

type Matrix = [number, number, number, number, number, number];

interface DrawState {
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  globalAlpha: number;
  font: string;
  textAlign: CanvasTextAlign;
  textBaseline: CanvasTextBaseline;
  transform: Matrix;
  clip: string | null;
}

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];
let surfaces = 0;

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, '');
}

function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[2] * n[1],
    m[1] * n[0] + m[3] * n[1],
    m[0] * n[2] + m[2] * n[3],
    m[1] * n[2] + m[3] * n[3],
    m[0] * n[4] + m[2] * n[5] + m[4],
    m[1] * n[4] + m[3] * n[5] + m[5],
  ];
}

/** A path the surface can read back (a canvas Path2D cannot be read); see newPath in canvas.ts. */
export class SvgPath {
  readonly parts: string[] = [];
  moveTo(x: number, y: number): void {
    this.parts.push(`M${num(x)} ${num(y)}`);
  }
  lineTo(x: number, y: number): void {
    this.parts.push(`L${num(x)} ${num(y)}`);
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.parts.push(`M${num(x)} ${num(y)}h${num(w)}v${num(h)}h${num(-w)}z`);
  }
}

export class SvgSurface {
  private state: DrawState = {
    fillStyle: '#000',
    strokeStyle: '#000',
    lineWidth: 1,
    globalAlpha: 1,
    font: '10px sans-serif',
    textAlign: 'start',
    textBaseline: 'alphabetic',
    transform: IDENTITY,
    clip: null,
  };
  private readonly saved: DrawState[] = [];
  private readonly elements: string[] = [];
  private readonly defs: string[] = [];
  private path = new SvgPath();
  private readonly prefix = `s${++surfaces}`;
  private clips = 0;
  private readonly measurer = document.createElement('canvas').getContext('2d');
  imageSmoothingEnabled = false;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** The surface typed as what the views draw on: it implements the members they use. */
  asContext(): CanvasRenderingContext2D {
    return this as unknown as CanvasRenderingContext2D;
  }

  get fillStyle(): string {
    return this.state.fillStyle;
  }
  set fillStyle(v: string) {
    this.state.fillStyle = String(v);
  }
  get strokeStyle(): string {
    return this.state.strokeStyle;
  }
  set strokeStyle(v: string) {
    this.state.strokeStyle = String(v);
  }
  get lineWidth(): number {
    return this.state.lineWidth;
  }
  set lineWidth(v: number) {
    this.state.lineWidth = v;
  }
  get globalAlpha(): number {
    return this.state.globalAlpha;
  }
  set globalAlpha(v: number) {
    this.state.globalAlpha = v;
  }
  get font(): string {
    return this.state.font;
  }
  set font(v: string) {
    this.state.font = v;
  }
  get textAlign(): CanvasTextAlign {
    return this.state.textAlign;
  }
  set textAlign(v: CanvasTextAlign) {
    this.state.textAlign = v;
  }
  get textBaseline(): CanvasTextBaseline {
    return this.state.textBaseline;
  }
  set textBaseline(v: CanvasTextBaseline) {
    this.state.textBaseline = v;
  }

  save(): void {
    this.saved.push({ ...this.state });
  }
  restore(): void {
    this.state = this.saved.pop() ?? this.state;
  }
  translate(x: number, y: number): void {
    this.state.transform = multiply(this.state.transform, [1, 0, 0, 1, x, y]);
  }
  rotate(a: number): void {
    this.state.transform = multiply(this.state.transform, [Math.cos(a), Math.sin(a), -Math.sin(a), Math.cos(a), 0, 0]);
  }

  measureText(text: string): TextMetrics {
    if (!this.measurer) throw new Error('2D canvas is not available');
    this.measurer.font = this.state.font;
    return this.measurer.measureText(text);
  }

  beginPath(): void {
    this.path = new SvgPath();
  }
  moveTo(x: number, y: number): void {
    this.path.moveTo(x, y);
  }
  lineTo(x: number, y: number): void {
    this.path.lineTo(x, y);
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.path.rect(x, y, w, h);
  }

  stroke(path?: SvgPath): void {
    const d = (path ?? this.path).parts.join('');
    if (d)
      this.element(`<path d="${d}" fill="none" stroke="${escapeXml(this.state.strokeStyle)}" stroke-width="${num(this.state.lineWidth)}"`);
  }
  /** Intersects the clip with the current path (nested clip paths, as the canvas does). */
  clip(): void {
    const id = `${this.prefix}c${++this.clips}`;
    const outer = this.state.clip ? ` clip-path="url(#${this.state.clip})"` : '';
    this.defs.push(
      `<clipPath id="${id}"${outer}><path d="${this.path.parts.join('')}"${this.transformAttr(this.state.transform)}/></clipPath>`,
    );
    this.state.clip = id;
  }

  fillRect(x: number, y: number, w: number, h: number): void {
    if (this.state.fillStyle === 'transparent') return;
    this.element(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="${escapeXml(this.state.fillStyle)}"`);
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    this.element(
      `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="none" stroke="${escapeXml(this.state.strokeStyle)}" ` +
        `stroke-width="${num(this.state.lineWidth)}"`,
    );
  }

  fillText(text: string, x: number, y: number): void {
    const s = this.state;
    const anchor = s.textAlign === 'center' ? 'middle' : s.textAlign === 'right' || s.textAlign === 'end' ? 'end' : 'start';
    const baseline = {
      middle: 'central',
      top: 'hanging',
      hanging: 'hanging',
      bottom: 'text-after-edge',
      ideographic: 'text-after-edge',
      alphabetic: '',
    }[s.textBaseline];
    this.element(
      `<text x="${num(x)}" y="${num(y)}" fill="${escapeXml(s.fillStyle)}" style="font:${escapeXml(s.font)};white-space:pre"` +
        `${anchor !== 'start' ? ` text-anchor="${anchor}"` : ''}${baseline ? ` dominant-baseline="${baseline}"` : ''}`,
      `>${escapeXml(text)}</text>`,
    );
  }

  /** Draws a canvas's pixels as rects (the 3-, 5- and 9-argument forms of drawImage). */
  drawImage(image: HTMLCanvasElement, ...args: number[]): void {
    const [sx, sy, sw, sh, dx, dy, dw, dh] =
      args.length === 8
        ? args
        : args.length === 4
          ? [0, 0, image.width, image.height, ...args]
          : [0, 0, image.width, image.height, args[0], args[1], image.width, image.height];
    const x0 = Math.max(0, Math.floor(sx));
    const y0 = Math.max(0, Math.floor(sy));
    const x1 = Math.min(image.width, Math.ceil(sx + sw));
    const y1 = Math.min(image.height, Math.ceil(sy + sh));
    const ctx = image.getContext('2d');
    if (!ctx || x1 <= x0 || y1 <= y0) return;
    const pixels = ctx.getImageData(x0, y0, x1 - x0, y1 - y0);
    // Source pixels → destination box; a fractional source edge is cut by a clip to the destination box.
    this.save();
    this.beginPath();
    this.rect(dx, dy, dw, dh);
    this.clip();
    const kx = dw / sw;
    const ky = dh / sh;
    const place: Matrix = multiply(this.state.transform, [kx, 0, 0, ky, dx + (x0 - sx) * kx, dy + (y0 - sy) * ky]);
    this.push(`<g${this.transformAttr(place)}${this.alphaAttr()} shape-rendering="crispEdges">${rasterPaths(pixels)}</g>`);
    this.restore();
  }

  /** Places another surface's drawing at (x, y) of this one, cut to its size as a canvas would be. */
  embed(other: SvgSurface, x: number, y: number): void {
    const id = `${this.prefix}c${++this.clips}`;
    this.defs.push(...other.defs, `<clipPath id="${id}"><rect width="${num(other.width)}" height="${num(other.height)}"/></clipPath>`);
    this.elements.push(`<g transform="translate(${num(x)} ${num(y)})"><g clip-path="url(#${id})">${other.elements.join('')}</g></g>`);
  }

  toSvg(): string {
    const w = num(this.width);
    const h = num(this.height);
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${this.defs.length ? `<defs>${this.defs.join('')}</defs>` : ''}${this.elements.join('')}</svg>`;
  }

  private element(open: string, close = '/>'): void {
    this.push(`${open}${this.transformAttr(this.state.transform)}${this.alphaAttr()}${close}`);
  }

  /** The clip goes on an untransformed group: an element's own transform would move its clip path too. */
  private push(element: string): void {
    this.elements.push(this.state.clip ? `<g clip-path="url(#${this.state.clip})">${element}</g>` : element);
  }

  private transformAttr(m: Matrix): string {
    return m.every((v, i) => v === IDENTITY[i]) ? '' : ` transform="matrix(${m.map(num).join(' ')})"`;
  }
  private alphaAttr(): string {
    return this.state.globalAlpha < 1 ? ` opacity="${num(this.state.globalAlpha)}"` : '';
  }
}

/**
 * The pixels as one path per colour, in pixel units: runs of equal pixels in a row make a rect, and a rect
 * grows downwards while the next row has the same run. Transparent pixels draw nothing.
 */
export function rasterPaths(image: ImageData): string {
  const { width, height, data } = image;
  const byColour = new Map<number, string[]>();
  type Rect = { x: number; y: number; w: number; h: number; c: number };
  const rects: Rect[] = [];
  let open = new Map<string, Rect>();
  const px = new Uint32Array(data.buffer, data.byteOffset, width * height);
  for (let y = 0; y < height; y++) {
    const next = new Map<string, Rect>();
    let x = 0;
    while (x < width) {
      const c = px[y * width + x];
      let end = x + 1;
      while (end < width && px[y * width + end] === c) end++;
      if (data[(y * width + x) * 4 + 3] !== 0) {
        const key = `${x}:${end}:${c}`;
        const above = open.get(key);
        if (above) {
          above.h++;
          next.set(key, above);
        } else {
          const r = { x, y, w: end - x, h: 1, c };
          rects.push(r);
          next.set(key, r);
        }
      }
      x = end;
    }
    open = next;
  }
  // Colour of each group, read from its first rect's first pixel.
  const first = new Map<number, number>();
  for (const r of rects) {
    const list = byColour.get(r.c) ?? [];
    if (!list.length) first.set(r.c, (r.y * width + r.x) * 4);
    list.push(`M${r.x} ${r.y}h${r.w}v${r.h}h-${r.w}z`);
    byColour.set(r.c, list);
  }
  const out: string[] = [];
  for (const [c, list] of byColour) {
    const o = first.get(c)!;
    const alpha = data[o + 3] / 255;
    out.push(
      `<path fill="rgb(${data[o]},${data[o + 1]},${data[o + 2]})"${alpha < 1 ? ` fill-opacity="${num(alpha)}"` : ''} ` +
        `d="${list.join('')}"/>`,
    );
  }
  return out.join('');
}
