// @ts-check
// The run page's task runs on a canvas: the layered graph the server laid out (mapped tasks grouped),
// or a timeline of the same nodes. Draws only what is in view, batched by colour, so 10,000 task runs
// pan and zoom smoothly; a list below is the same data for keyboards and screen readers.

const COL_W = 220;
const ROW_H = 44;
const NODE_W = 180;
const NODE_H = 30;
const BAR_H = 22;
const POLL_MS = 3000;

const canvas = /** @type {HTMLCanvasElement | null} */ (document.getElementById('run-graph'));
if (canvas) start(canvas);

/** @typedef {[string, string | null, number, number, number, string | null, string, number | null, number | null, Record<string, number> | null]} GraphNode */
/** @typedef {{ total: number, layers: number, rows: number, nodes: GraphNode[], edges: number[], groups: { task_key: string, label: string, count: number, expanded: boolean }[] }} Graph */

/** @param {HTMLCanvasElement} canvas */
function start(canvas) {
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const tip = /** @type {HTMLElement} */ (canvas.parentElement?.querySelector('.graph-tip'));
  const summary = document.querySelector('.graph-summary');
  const list = document.getElementById('graph-list');
  const src = canvas.dataset.src ?? '';
  /** @type {Set<string>} */
  const expanded = new Set();
  /** @type {Graph} */
  let graph = { total: 0, layers: 0, rows: 0, nodes: [], edges: [], groups: [] };
  let mode = 'graph';
  let camera = { x: -20, y: -20, scale: 1 };
  let fitted = false;
  let etag = '';
  let selected = -1;
  /** Timeline rows: node indexes by start time; and its time origin and scale (ms per pixel). */
  let order = /** @type {number[]} */ ([]);
  let t0 = 0;
  let msPerPx = 10;
  /** @type {Map<number, number>} layer * 1e6 + row → node */
  let cells = new Map();
  let colours = readColours();
  let frame = 0;

  function readColours() {
    const style = getComputedStyle(document.documentElement);
    /** @param {string} name */
    const v = (name) => style.getPropertyValue(name).trim();
    return {
      text: v('--text'),
      muted: v('--muted'),
      line: v('--line'),
      bg: v('--bg'),
      focus: v('--focus'),
      state: (/** @type {string | null} */ s) => v(`--state-${(s ?? 'none').toLowerCase()}`),
    };
  }
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    colours = readColours();
    draw();
  });

  function draw() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      paint();
    });
  }

  /** World rectangle of node i in the current mode. */
  function box(/** @type {number} */ i) {
    const node = /** @type {GraphNode} */ (graph.nodes[i]);
    if (mode === 'graph') return { x: node[2] * COL_W, y: node[3] * ROW_H, w: NODE_W, h: NODE_H };
    const startMs = node[7] ?? t0;
    const endMs = node[8] ?? (node[7] === null ? t0 : Date.now());
    return {
      x: (startMs - t0) / msPerPx,
      y: rowOf[i] * ROW_H,
      w: Math.max(4, (endMs - startMs) / msPerPx),
      h: BAR_H,
    };
  }
  let rowOf = /** @type {number[]} */ ([]);

  function paint() {
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
    }
    const { x, y, scale } = camera;
    context.setTransform(dpr, 0, 0, dpr, 0, 0);
    context.clearRect(0, 0, width, height);
    if (graph.nodes.length === 0) {
      context.fillStyle = colours.muted;
      context.font = '14px system-ui, sans-serif';
      context.fillText('No task runs yet.', 16, 28);
      return;
    }
    context.setTransform(dpr * scale, 0, 0, dpr * scale, -x * scale * dpr, -y * scale * dpr);
    const view = { left: x, top: y, right: x + width / scale, bottom: y + height / scale };
    const visible = [];
    for (let i = 0; i < graph.nodes.length; i++) {
      const b = box(i);
      if (b.x + b.w >= view.left && b.x <= view.right && b.y + b.h >= view.top && b.y <= view.bottom)
        visible.push(i);
    }
    if (mode === 'graph') {
      context.strokeStyle = colours.muted;
      context.lineWidth = 1 / scale;
      context.beginPath();
      for (let e = 0; e < graph.edges.length; e += 2) {
        const a = box(/** @type {number} */ (graph.edges[e]));
        const b = box(/** @type {number} */ (graph.edges[e + 1]));
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
    // One fill per colour: a few state colours, not thousands of style changes.
    /** @type {Map<string, number[]>} */
    const byState = new Map();
    for (const i of visible) {
      const state = /** @type {GraphNode} */ (graph.nodes[i])[1] ?? 'NONE';
      const bucket = byState.get(state) ?? [];
      bucket.push(i);
      byState.set(state, bucket);
    }
    for (const [state, members] of byState) {
      context.fillStyle = colours.state(state);
      context.beginPath();
      for (const i of members) {
        const b = box(i);
        context.rect(b.x, b.y, b.w, b.h);
      }
      context.fill();
    }
    if (selected >= 0 && selected < graph.nodes.length) {
      const b = box(selected);
      context.strokeStyle = colours.focus;
      context.lineWidth = 3 / scale;
      context.strokeRect(b.x - 3 / scale, b.y - 3 / scale, b.w + 6 / scale, b.h + 6 / scale);
    }
    // Labels only where they are readable.
    if (scale >= 0.55 && visible.length <= 2000) {
      context.font = '12px system-ui, sans-serif';
      context.fillStyle = '#fff';
      context.textBaseline = 'middle';
      for (const i of visible) {
        const node = /** @type {GraphNode} */ (graph.nodes[i]);
        const b = box(i);
        const label = node[4] > 1 ? `${node[0]} ×${node[4]}` : node[0];
        if (mode === 'graph') fitText(label, b.x + 8, b.y + b.h / 2, b.w - 16);
        else {
          context.fillStyle = colours.text;
          context.fillText(label, b.x + b.w + 6, b.y + b.h / 2);
          context.fillStyle = '#fff';
        }
      }
    }
  }

  function fitText(
    /** @type {string} */ text,
    /** @type {number} */ x,
    /** @type {number} */ y,
    /** @type {number} */ max,
  ) {
    let shown = text;
    while (shown.length > 1 && context.measureText(shown).width > max) shown = shown.slice(0, -2);
    context.fillText(shown === text ? text : `${shown}…`, x, y);
  }

  function layOut() {
    cells = new Map();
    for (const [i, node] of graph.nodes.entries()) cells.set(node[2] * 1e6 + node[3], i);
    order = graph.nodes.map((_, i) => i);
    const startOf = (/** @type {number} */ i) => graph.nodes[i]?.[7] ?? Number.POSITIVE_INFINITY;
    order.sort((a, b) => startOf(a) - startOf(b) || a - b);
    rowOf = new Array(graph.nodes.length);
    order.forEach((node, row) => {
      rowOf[node] = row;
    });
    const starts = graph.nodes.map((n) => n[7]).filter((s) => s !== null);
    const ends = graph.nodes.map((n) => n[8] ?? n[7]).filter((s) => s !== null);
    t0 = starts.length ? Math.min(...starts.map(Number)) : 0;
    const t1 = ends.length ? Math.max(...ends.map(Number)) : t0 + 1000;
    msPerPx = Math.max(1, (t1 - t0) / 1200);
  }

  function fitView() {
    if (graph.nodes.length === 0) return;
    let right = 0;
    let bottom = 0;
    for (let i = 0; i < graph.nodes.length; i++) {
      const b = box(i);
      right = Math.max(right, b.x + b.w + (mode === 'timeline' ? 160 : 0));
      bottom = Math.max(bottom, b.y + b.h);
    }
    const scale = Math.max(
      0.02,
      Math.min(1.5, (canvas.clientWidth - 40) / right, (canvas.clientHeight - 40) / bottom),
    );
    camera = { x: -20 / scale, y: -20 / scale, scale };
    draw();
  }

  /** The node under a point of the canvas, or -1. */
  function hit(/** @type {number} */ px, /** @type {number} */ py) {
    const wx = camera.x + px / camera.scale;
    const wy = camera.y + py / camera.scale;
    const candidate =
      mode === 'graph'
        ? (cells.get(Math.floor(wx / COL_W) * 1e6 + Math.floor(wy / ROW_H)) ?? -1)
        : (order[Math.floor(wy / ROW_H)] ?? -1);
    if (candidate < 0) return -1;
    const b = box(candidate);
    return wx >= b.x && wx <= b.x + b.w && wy >= b.y && wy <= b.y + b.h ? candidate : -1;
  }

  function describe(/** @type {number} */ i) {
    const node = /** @type {GraphNode} */ (graph.nodes[i]);
    const took = node[7] !== null && node[8] !== null ? `, ${((node[8] - node[7]) / 1000).toFixed(2)} s` : '';
    const states = node[9]
      ? ` (${Object.entries(node[9])
          .map(([s, n]) => `${n} ${s.toLowerCase()}`)
          .join(', ')})`
      : '';
    const group = node[4] > 1 ? ` — ${node[4]} runs${states}; Enter or double-click expands` : '';
    return `${node[0]}: ${(node[1] ?? 'no state').toLowerCase()}${took}${group}`;
  }

  function showTip(/** @type {number} */ i, /** @type {number} */ px, /** @type {number} */ py) {
    if (i < 0) {
      tip.hidden = true;
      return;
    }
    tip.textContent = describe(i);
    tip.style.left = `${Math.min(px + 12, canvas.clientWidth - 200)}px`;
    tip.style.top = `${py + 12}px`;
    tip.hidden = false;
  }

  function toggleGroup(/** @type {string} */ key) {
    if (expanded.has(key)) expanded.delete(key);
    else expanded.add(key);
    etag = '';
    fitted = false;
    void load();
  }

  function renderList() {
    if (!list) return;
    const rows = graph.groups.map(
      (group) =>
        `<tr><td>${escapeHtml(group.label)}</td><td>${group.count}</td><td><button type="button" class="button" data-group="${escapeHtml(group.task_key)}">${group.expanded ? 'Collapse' : 'Expand'}</button></td></tr>`,
    );
    const groups = rows.length
      ? `<table><caption>Mapped tasks</caption><thead><tr><th scope="col">Task</th><th scope="col">Runs</th><th scope="col">Show</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
      : '';
    const shown = graph.nodes.slice(0, 200).map((_node, i) => `<li>${escapeHtml(describe(i))}</li>`);
    const more =
      graph.nodes.length > 200 ? `<p class="note">The first 200 of ${graph.nodes.length} nodes.</p>` : '';
    list.innerHTML = `${groups}<ul class="plain">${shown.join('')}</ul>${more}`;
  }

  async function load() {
    const query = [...expanded].map((key) => `expand=${encodeURIComponent(key)}`).join('&');
    try {
      const response = await fetch(query ? `${src}?${query}` : src, {
        headers: etag ? { 'If-None-Match': etag } : {},
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (response.status !== 200) return;
      etag = response.headers.get('ETag') ?? '';
      graph = await response.json();
      layOut();
      if (summary) summary.textContent = `${graph.total} task runs, ${graph.nodes.length} nodes`;
      renderList();
      if (!fitted) {
        fitted = true;
        fitView();
      }
      canvas.dataset.nodes = String(graph.nodes.length);
      canvas.dataset.ready = 'true';
      draw();
    } catch {
      // The next poll tries again.
    }
  }

  // Pointer: drag pans, wheel zooms about the cursor, click selects, double-click expands a group.
  let drag = /** @type {{ x: number, y: number, cx: number, cy: number } | null} */ (null);
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    drag = { x: event.offsetX, y: event.offsetY, cx: camera.x, cy: camera.y };
  });
  canvas.addEventListener('pointermove', (event) => {
    if (drag) {
      camera.x = drag.cx - (event.offsetX - drag.x) / camera.scale;
      camera.y = drag.cy - (event.offsetY - drag.y) / camera.scale;
      draw();
    } else showTip(hit(event.offsetX, event.offsetY), event.offsetX, event.offsetY);
  });
  canvas.addEventListener('pointerup', (event) => {
    const moved = drag && Math.abs(event.offsetX - drag.x) + Math.abs(event.offsetY - drag.y) > 3;
    drag = null;
    if (!moved) {
      selected = hit(event.offsetX, event.offsetY);
      showTip(selected, event.offsetX, event.offsetY);
      draw();
    }
  });
  canvas.addEventListener('dblclick', (event) => {
    const group = graph.nodes[hit(event.offsetX, event.offsetY)]?.[5];
    if (group) toggleGroup(group);
  });
  canvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      zoom(Math.exp(-event.deltaY * 0.0015), event.offsetX, event.offsetY);
    },
    { passive: false },
  );

  function zoom(/** @type {number} */ factor, /** @type {number} */ px, /** @type {number} */ py) {
    const scale = Math.max(0.02, Math.min(4, camera.scale * factor));
    camera.x += px / camera.scale - px / scale;
    camera.y += py / camera.scale - py / scale;
    camera.scale = scale;
    draw();
  }

  canvas.addEventListener('keydown', (event) => {
    const step = 60 / camera.scale;
    const keys = /** @type {Record<string, () => void>} */ ({
      ArrowLeft: () => (camera.x -= step),
      ArrowRight: () => (camera.x += step),
      ArrowUp: () => (camera.y -= step),
      ArrowDown: () => (camera.y += step),
      '+': () => zoom(1.25, canvas.clientWidth / 2, canvas.clientHeight / 2),
      '=': () => zoom(1.25, canvas.clientWidth / 2, canvas.clientHeight / 2),
      '-': () => zoom(0.8, canvas.clientWidth / 2, canvas.clientHeight / 2),
      0: fitView,
      Enter: () => {
        const group = graph.nodes[selected]?.[5];
        if (group) toggleGroup(group);
      },
    });
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
    draw();
  });

  document.querySelector('[data-graph="fit"]')?.addEventListener('click', fitView);
  for (const radio of document.querySelectorAll('input[name="task-view"]')) {
    radio.addEventListener('change', (event) => {
      mode = /** @type {HTMLInputElement} */ (event.target).value;
      selected = -1;
      fitView();
    });
  }
  list?.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-group]') : null;
    if (button instanceof HTMLElement && button.dataset.group) toggleGroup(button.dataset.group);
  });
  new ResizeObserver(draw).observe(canvas);

  async function poll() {
    if (!document.hidden) await load();
    window.setTimeout(poll, POLL_MS);
  }
  void poll();
}

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// A module (the pages load it as one): its names stay its own.
export {};
