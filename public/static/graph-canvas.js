// @ts-check
// Draws a run's task runs on a canvas: the layered graph the server laid out, or a timeline of the same
// nodes. Only what is in view is drawn, one fill per state colour, so 10,000 nodes pan and zoom
// smoothly; hit-testing is a grid lookup, not a scan.

const COL_W = 220;
const ROW_H = 44;
const NODE_W = 180;
const NODE_H = 30;
const BAR_H = 22;

/** [label, state, column, row, count, group (a map's task key), start ms, end ms, a group's states] @typedef {[string, string | null, number, number, number, string | null, number | null, number | null, Record<string, number> | null]} GraphNode */
/** @typedef {{ total: number, settled: boolean, layers: number, rows: number, nodes: GraphNode[], edges: number[], groups: { task_key: string, label: string, count: number, expanded: boolean }[] }} Graph */

export class GraphCanvas {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    /** @type {Graph} */
    this.graph = { total: 0, settled: false, layers: 0, rows: 0, nodes: [], edges: [], groups: [] };
    /** @type {'graph' | 'timeline'} */
    this.mode = 'graph';
    this.camera = { x: -20, y: -20, scale: 1 };
    this.selected = -1;
    /** Timeline rows: node indexes by start, each node's row, the time origin and ms per pixel. */
    /** @type {number[]} */
    this.order = [];
    /** @type {number[]} */
    this.rowOf = [];
    this.t0 = 0;
    this.msPerPx = 10;
    /** @type {Map<number, number>} layer * 1e6 + row → node */
    this.cells = new Map();
    this.x = new Float64Array(0);
    this.y = new Float64Array(0);
    this.w = new Float64Array(0);
    this.h = new Float64Array(0);
    /** @type {number[]} Timeline bars still growing (started, not ended). */
    this.open = [];
    this.colours = readColours();
    this.frame = 0;
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
      this.colours = readColours();
      this.draw();
    });
  }

  /** @param {Graph} graph */
  setGraph(graph) {
    this.graph = graph;
    this.cells = new Map();
    for (const [i, node] of graph.nodes.entries()) this.cells.set(node[2] * 1e6 + node[3], i);
    const startOf = (/** @type {number} */ i) => graph.nodes[i]?.[6] ?? Number.POSITIVE_INFINITY;
    this.order = graph.nodes.map((_node, i) => i).sort((a, b) => startOf(a) - startOf(b) || a - b);
    this.rowOf = new Array(graph.nodes.length);
    for (const [row, node] of this.order.entries()) this.rowOf[node] = row;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const node of graph.nodes) {
      if (node[6] !== null) first = Math.min(first, node[6]);
      const end = node[7] ?? node[6];
      if (end !== null) last = Math.max(last, end);
    }
    this.t0 = Number.isFinite(first) ? first : 0;
    this.msPerPx = Number.isFinite(last) ? Math.max(1, (last - this.t0) / 1200) : 10;
    if (this.selected >= graph.nodes.length) this.selected = -1;
    this.place();
  }

  /** @param {'graph' | 'timeline'} mode */
  setMode(mode) {
    this.mode = mode;
    this.selected = -1;
    this.place();
  }

  /**
   * Every node's world rectangle in the current mode, in typed arrays: a frame reads them without
   * allocating. A running node's timeline bar ends at now, so those are placed again each frame.
   */
  place() {
    const count = this.graph.nodes.length;
    this.x = new Float64Array(count);
    this.y = new Float64Array(count);
    this.w = new Float64Array(count);
    this.h = new Float64Array(count);
    /** @type {number[]} */
    this.open = [];
    for (let i = 0; i < count; i++) this.placeNode(i);
    this.draw();
  }

  placeNode(/** @type {number} */ i) {
    const node = /** @type {GraphNode} */ (this.graph.nodes[i]);
    if (this.mode === 'graph') {
      this.x[i] = node[2] * COL_W;
      this.y[i] = node[3] * ROW_H;
      this.w[i] = NODE_W;
      this.h[i] = NODE_H;
      return;
    }
    const start = node[6] ?? this.t0;
    if (node[6] !== null && node[7] === null) this.open.push(i);
    const end = node[7] ?? (node[6] === null ? this.t0 : Date.now());
    this.x[i] = (start - this.t0) / this.msPerPx;
    this.y[i] = (this.rowOf[i] ?? 0) * ROW_H;
    this.w[i] = Math.max(4, (end - start) / this.msPerPx);
    this.h[i] = BAR_H;
  }

  /** World rectangle of node `i` in the current mode. */
  box(/** @type {number} */ i) {
    return { x: this.x[i] ?? 0, y: this.y[i] ?? 0, w: this.w[i] ?? 0, h: this.h[i] ?? 0 };
  }

  draw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const started = performance.now();
      this.paint();
      // With data-measure set (the bench sets it), each drawing is a `graph-paint` performance measure.
      if (this.canvas.dataset.measure) performance.measure('graph-paint', { start: started });
    });
  }

  paint() {
    const { canvas, context, camera, colours, graph } = this;
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
    }
    context.setTransform(dpr, 0, 0, dpr, 0, 0);
    context.clearRect(0, 0, width, height);
    if (graph.nodes.length === 0) {
      context.fillStyle = colours.muted;
      context.font = '14px system-ui, sans-serif';
      context.fillText('No task runs yet.', 16, 28);
      return;
    }
    const { x, y, scale } = camera;
    context.setTransform(dpr * scale, 0, 0, dpr * scale, -x * scale * dpr, -y * scale * dpr);
    const view = { left: x, top: y, right: x + width / scale, bottom: y + height / scale };
    if (this.mode === 'timeline') for (const i of this.open) this.placeNode(i);
    const { x: xs, y: ys, w: ws, h: hs } = this;
    /** @type {number[]} */
    const visible = [];
    for (let i = 0; i < graph.nodes.length; i++) {
      const left = xs[i];
      const top = ys[i];
      if (left + ws[i] >= view.left && left <= view.right && top + hs[i] >= view.top && top <= view.bottom)
        visible.push(i);
    }
    if (this.mode === 'graph') this.paintEdges(view, scale);
    // One fill per colour: a few state colours, not thousands of style changes.
    /** @type {Map<string, number[]>} */
    const byState = new Map();
    for (const i of visible) {
      const state = /** @type {GraphNode} */ (graph.nodes[i])[1] ?? 'NONE';
      const bucket = byState.get(state);
      if (bucket) bucket.push(i);
      else byState.set(state, [i]);
    }
    for (const [state, members] of byState) {
      context.fillStyle = colours.state[state] ?? colours.state.NONE ?? '';
      context.beginPath();
      for (const i of members) context.rect(xs[i], ys[i], ws[i], hs[i]);
      context.fill();
    }
    if (this.selected >= 0) {
      const b = this.box(this.selected);
      context.strokeStyle = colours.focus;
      context.lineWidth = 3 / scale;
      context.strokeRect(b.x - 3 / scale, b.y - 3 / scale, b.w + 6 / scale, b.h + 6 / scale);
    }
    // Labels only where they are readable.
    if (scale >= 0.55 && visible.length <= 2000) this.paintLabels(visible);
  }

  paintEdges(
    /** @type {{ left: number, top: number, right: number, bottom: number }} */ view,
    /** @type {number} */ scale,
  ) {
    const { context, graph } = this;
    context.strokeStyle = this.colours.muted;
    context.lineWidth = 1 / scale;
    context.beginPath();
    const { x: xs, y: ys, w: ws, h: hs } = this;
    // Zoomed far out, curves are indistinguishable from lines and cost more.
    const curved = scale >= 0.35;
    for (let e = 0; e < graph.edges.length; e += 2) {
      const from = /** @type {number} */ (graph.edges[e]);
      const to = /** @type {number} */ (graph.edges[e + 1]);
      const ax = xs[from] + ws[from];
      const ay = ys[from] + hs[from] / 2;
      const bx = xs[to];
      const by = ys[to] + hs[to] / 2;
      if (Math.max(ax, bx) < view.left || Math.min(ax, bx) > view.right) continue;
      if (Math.max(ay, by) < view.top || Math.min(ay, by) > view.bottom) continue;
      context.moveTo(ax, ay);
      if (curved) context.bezierCurveTo(ax + 20, ay, bx - 20, by, bx, by);
      else context.lineTo(bx, by);
    }
    context.stroke();
  }

  paintLabels(/** @type {number[]} */ visible) {
    const { context } = this;
    context.font = '12px system-ui, sans-serif';
    context.textBaseline = 'middle';
    for (const i of visible) {
      const node = /** @type {GraphNode} */ (this.graph.nodes[i]);
      const b = this.box(i);
      const label = node[4] > 1 ? `${node[0]} ×${node[4]}` : node[0];
      if (this.mode === 'graph') {
        context.fillStyle = '#fff';
        let shown = label;
        while (shown.length > 1 && context.measureText(shown).width > b.w - 16) shown = shown.slice(0, -2);
        context.fillText(shown === label ? label : `${shown}…`, b.x + 8, b.y + b.h / 2);
      } else {
        context.fillStyle = this.colours.text;
        context.fillText(label, b.x + b.w + 6, b.y + b.h / 2);
      }
    }
  }

  fitView() {
    const { graph, canvas } = this;
    if (graph.nodes.length === 0) return;
    let right = 0;
    let bottom = 0;
    for (let i = 0; i < graph.nodes.length; i++) {
      const b = this.box(i);
      right = Math.max(right, b.x + b.w + (this.mode === 'timeline' ? 160 : 0));
      bottom = Math.max(bottom, b.y + b.h);
    }
    const fit = Math.min(1.5, (canvas.clientWidth - 40) / right, (canvas.clientHeight - 40) / bottom);
    const scale = Math.max(0.02, fit);
    this.camera = { x: -20 / scale, y: -20 / scale, scale };
    this.draw();
  }

  /** Zooms by `factor` about a point of the canvas. */
  zoom(/** @type {number} */ factor, /** @type {number} */ px, /** @type {number} */ py) {
    const { camera } = this;
    const scale = Math.max(0.02, Math.min(4, camera.scale * factor));
    camera.x += px / camera.scale - px / scale;
    camera.y += py / camera.scale - py / scale;
    camera.scale = scale;
    this.draw();
  }

  /** Moves the view by screen pixels. */
  pan(/** @type {number} */ dx, /** @type {number} */ dy) {
    this.camera.x += dx / this.camera.scale;
    this.camera.y += dy / this.camera.scale;
    this.draw();
  }

  /** The node under a point of the canvas, or -1. */
  hit(/** @type {number} */ px, /** @type {number} */ py) {
    const wx = this.camera.x + px / this.camera.scale;
    const wy = this.camera.y + py / this.camera.scale;
    const candidate =
      this.mode === 'graph'
        ? (this.cells.get(Math.floor(wx / COL_W) * 1e6 + Math.floor(wy / ROW_H)) ?? -1)
        : (this.order[Math.floor(wy / ROW_H)] ?? -1);
    if (candidate < 0) return -1;
    const b = this.box(candidate);
    return wx >= b.x && wx <= b.x + b.w && wy >= b.y && wy <= b.y + b.h ? candidate : -1;
  }
}

const STATES = [
  'SCHEDULED',
  'PENDING',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'CRASHED',
  'PAUSED',
  'CANCELLING',
  'NONE',
];

function readColours() {
  const style = getComputedStyle(document.documentElement);
  const v = (/** @type {string} */ name) => style.getPropertyValue(name).trim();
  /** @type {Record<string, string>} */
  const state = Object.fromEntries(STATES.map((s) => [s, v(`--state-${s.toLowerCase()}`)]));
  return { text: v('--text'), muted: v('--muted'), focus: v('--focus'), state };
}
