// @ts-check
// Draws a run's task runs on a canvas: the layered graph the server laid out, or a timeline of the same
// nodes. Only what is in view is drawn, one fill per state colour, so 10,000 nodes pan and zoom
// smoothly; hit-testing is a grid lookup, not a scan.

const COL_W = 220;
const ROW_H = 44;
const NODE_W = 180;
const NODE_H = 30;
const BAR_H = 22;

/** @typedef {[string, string | null, number, number, number, string | null, string, number | null, number | null, Record<string, number> | null]} GraphNode */
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
    const startOf = (/** @type {number} */ i) => graph.nodes[i]?.[7] ?? Number.POSITIVE_INFINITY;
    this.order = graph.nodes.map((_node, i) => i).sort((a, b) => startOf(a) - startOf(b) || a - b);
    this.rowOf = new Array(graph.nodes.length);
    for (const [row, node] of this.order.entries()) this.rowOf[node] = row;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const node of graph.nodes) {
      if (node[7] !== null) first = Math.min(first, node[7]);
      const end = node[8] ?? node[7];
      if (end !== null) last = Math.max(last, end);
    }
    this.t0 = Number.isFinite(first) ? first : 0;
    this.msPerPx = Number.isFinite(last) ? Math.max(1, (last - this.t0) / 1200) : 10;
    if (this.selected >= graph.nodes.length) this.selected = -1;
    this.draw();
  }

  /** World rectangle of node `i` in the current mode. */
  box(/** @type {number} */ i) {
    const node = /** @type {GraphNode} */ (this.graph.nodes[i]);
    if (this.mode === 'graph') return { x: node[2] * COL_W, y: node[3] * ROW_H, w: NODE_W, h: NODE_H };
    const start = node[7] ?? this.t0;
    const end = node[8] ?? (node[7] === null ? this.t0 : Date.now());
    const x = (start - this.t0) / this.msPerPx;
    return { x, y: (this.rowOf[i] ?? 0) * ROW_H, w: Math.max(4, (end - start) / this.msPerPx), h: BAR_H };
  }

  draw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
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
    /** @type {number[]} */
    const visible = [];
    for (let i = 0; i < graph.nodes.length; i++) {
      const b = this.box(i);
      if (b.x + b.w >= view.left && b.x <= view.right && b.y + b.h >= view.top && b.y <= view.bottom)
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
      context.fillStyle = colours.state(state);
      context.beginPath();
      for (const i of members) {
        const b = this.box(i);
        context.rect(b.x, b.y, b.w, b.h);
      }
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
    for (let e = 0; e < graph.edges.length; e += 2) {
      const a = this.box(/** @type {number} */ (graph.edges[e]));
      const b = this.box(/** @type {number} */ (graph.edges[e + 1]));
      const ax = a.x + a.w;
      const ay = a.y + a.h / 2;
      const by = b.y + b.h / 2;
      if (Math.max(ax, b.x) < view.left || Math.min(ax, b.x) > view.right) continue;
      if (Math.max(ay, by) < view.top || Math.min(ay, by) > view.bottom) continue;
      context.moveTo(ax, ay);
      context.bezierCurveTo(ax + 20, ay, b.x - 20, by, b.x, by);
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

  /** A node in words: for the tooltip, the list and screen readers. */
  describe(/** @type {number} */ i) {
    const node = /** @type {GraphNode} */ (this.graph.nodes[i]);
    const took = node[7] !== null && node[8] !== null ? `, ${((node[8] - node[7]) / 1000).toFixed(2)} s` : '';
    const counts = node[9] ? Object.entries(node[9]).map(([state, n]) => `${n} ${state.toLowerCase()}`) : [];
    const group =
      node[4] > 1 ? ` — ${node[4]} runs (${counts.join(', ')}); Enter or double-click expands` : '';
    return `${node[0]}: ${(node[1] ?? 'no state').toLowerCase()}${took}${group}`;
  }
}

function readColours() {
  const style = getComputedStyle(document.documentElement);
  const v = (/** @type {string} */ name) => style.getPropertyValue(name).trim();
  return {
    text: v('--text'),
    muted: v('--muted'),
    focus: v('--focus'),
    state: (/** @type {string | null} */ s) => v(`--state-${(s ?? 'none').toLowerCase()}`),
  };
}
