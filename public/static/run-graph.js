// @ts-check
// The run page's task runs: loads the graph the server laid out (and polls it with its ETag while the
// page is open), draws it with graph-canvas.js, and wires the pointer, the keyboard, the graph/timeline
// switch and the list below it, which carries the same data for keyboards and screen readers.

const POLL_MS = 3000;
/** Once the run has ended its task runs only change if it is retried: a slower poll notices that. */
const SETTLED_POLL_MS = 30_000;
/** The first nodes the list spells out; the canvas shows them all. */
const LISTED = 200;

const canvas = /** @type {HTMLCanvasElement | null} */ (document.getElementById('run-graph'));
if (canvas) {
  // The drawing module, under the same version as this script, so a deploy refreshes both.
  const { GraphCanvas } = await import(`./graph-canvas.js${new URL(import.meta.url).search}`);
  start(canvas, new GraphCanvas(canvas));
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {import('./graph-canvas.js').GraphCanvas} view
 */
function start(canvas, view) {
  const tip = /** @type {HTMLElement} */ (canvas.parentElement?.querySelector('.graph-tip'));
  const summary = document.querySelector('.graph-summary');
  const list = document.getElementById('graph-list');
  const src = canvas.dataset.src ?? '';
  /** @type {Set<string>} */
  const expanded = new Set();
  let fitted = false;
  let etag = '';

  function showTip(/** @type {number} */ i, /** @type {number} */ px, /** @type {number} */ py) {
    tip.hidden = i < 0;
    if (i < 0) return;
    tip.textContent = describeNode(view.graph, i);
    tip.style.left = `${Math.min(px + 12, canvas.clientWidth - 200)}px`;
    tip.style.top = `${py + 12}px`;
  }

  function toggleGroup(/** @type {string} */ key) {
    if (expanded.has(key)) expanded.delete(key);
    else expanded.add(key);
    etag = '';
    fitted = false;
    view.selected = -1;
    void load();
  }

  function renderList() {
    if (!list) return;
    const { graph } = view;
    const rows = graph.groups.map(
      (group) =>
        `<tr><td>${escapeHtml(group.label)}</td><td>${group.count}</td><td><button type="button" class="button" data-group="${escapeHtml(group.task_key)}">${group.expanded ? 'Collapse' : 'Expand'}</button></td></tr>`,
    );
    const groups = rows.length
      ? `<table><caption>Mapped tasks</caption><thead><tr><th scope="col">Task</th><th scope="col">Runs</th><th scope="col">Show</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
      : '';
    const shown = graph.nodes
      .slice(0, LISTED)
      .map((_node, i) => `<li>${escapeHtml(describeNode(view.graph, i))}</li>`);
    const more =
      graph.nodes.length > LISTED
        ? `<p class="note">The first ${LISTED} of ${graph.nodes.length} nodes.</p>`
        : '';
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
      view.setGraph(await response.json());
      if (summary) summary.textContent = `${view.graph.total} task runs, ${view.graph.nodes.length} nodes`;
      renderList();
      if (!fitted) {
        fitted = true;
        view.fitView();
      }
      canvas.dataset.nodes = String(view.graph.nodes.length);
      canvas.dataset.ready = 'true';
    } catch {
      // The next poll tries again.
    }
  }

  // Pointer: drag pans, wheel zooms about the cursor, click selects, double-click expands a group.
  let drag = /** @type {{ x: number, y: number } | null} */ (null);
  let moved = false;
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    drag = { x: event.offsetX, y: event.offsetY };
    moved = false;
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drag) return showTip(view.hit(event.offsetX, event.offsetY), event.offsetX, event.offsetY);
    view.pan(drag.x - event.offsetX, drag.y - event.offsetY);
    moved ||= Math.abs(event.offsetX - drag.x) + Math.abs(event.offsetY - drag.y) > 0;
    drag = { x: event.offsetX, y: event.offsetY };
  });
  canvas.addEventListener('pointerup', (event) => {
    drag = null;
    if (moved) return;
    view.selected = view.hit(event.offsetX, event.offsetY);
    showTip(view.selected, event.offsetX, event.offsetY);
    view.draw();
  });
  canvas.addEventListener('dblclick', (event) => {
    const group = view.graph.nodes[view.hit(event.offsetX, event.offsetY)]?.[5];
    if (group) toggleGroup(group);
  });
  canvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      view.zoom(Math.exp(-event.deltaY * 0.0015), event.offsetX, event.offsetY);
    },
    { passive: false },
  );

  const centre = () => /** @type {const} */ ([canvas.clientWidth / 2, canvas.clientHeight / 2]);
  /** Keys: arrows pan, + and - zoom, 0 fits, n and p move the selection, Enter expands a selected group. */
  const keys = /** @type {Record<string, () => void>} */ ({
    ArrowLeft: () => view.pan(-60, 0),
    ArrowRight: () => view.pan(60, 0),
    ArrowUp: () => view.pan(0, -60),
    ArrowDown: () => view.pan(0, 60),
    '+': () => view.zoom(1.25, ...centre()),
    '=': () => view.zoom(1.25, ...centre()),
    '-': () => view.zoom(0.8, ...centre()),
    0: () => view.fitView(),
    n: () => select(view.selected + 1),
    p: () => select(view.selected - 1),
    Enter: () => {
      const group = view.graph.nodes[view.selected]?.[5];
      if (group) toggleGroup(group);
    },
  });
  function select(/** @type {number} */ i) {
    const count = view.graph.nodes.length;
    if (count === 0) return;
    view.selected = (i + count) % count;
    const b = view.box(view.selected);
    view.camera.x = b.x - canvas.clientWidth / 2 / view.camera.scale;
    view.camera.y = b.y - canvas.clientHeight / 2 / view.camera.scale;
    showTip(view.selected, canvas.clientWidth / 2, canvas.clientHeight / 2);
    if (summary) summary.textContent = describeNode(view.graph, view.selected);
    view.draw();
  }
  canvas.addEventListener('keydown', (event) => {
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
  canvas.addEventListener('blur', () => showTip(-1, 0, 0));

  document.querySelector('[data-graph="fit"]')?.addEventListener('click', () => view.fitView());
  for (const radio of document.querySelectorAll('input[name="task-view"]')) {
    radio.addEventListener('change', (event) => {
      view.setMode(
        /** @type {HTMLInputElement} */ (event.target).value === 'timeline' ? 'timeline' : 'graph',
      );
      view.fitView();
    });
  }
  list?.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-group]') : null;
    if (button instanceof HTMLElement && button.dataset.group) toggleGroup(button.dataset.group);
  });
  new ResizeObserver(() => view.draw()).observe(canvas);
  // The run's header changed (a new state, a retry): its task runs may have too.
  document.addEventListener('live:updated', (event) => {
    if (event.target instanceof Element && event.target.closest('.run-header')) void load();
  });

  async function poll() {
    if (!document.hidden) await load();
    window.setTimeout(poll, view.graph.settled ? SETTLED_POLL_MS : POLL_MS);
  }
  void poll();
}

/** A node in words: for the tooltip, the list and screen readers. */
function describeNode(/** @type {import('./graph-canvas.js').Graph} */ graph, /** @type {number} */ i) {
  const node = graph.nodes[i];
  if (!node) return '';
  const took = node[6] !== null && node[7] !== null ? `, ${((node[7] - node[6]) / 1000).toFixed(2)} s` : '';
  const counts = node[8] ? Object.entries(node[8]).map(([state, n]) => `${n} ${state.toLowerCase()}`) : [];
  const group = node[4] > 1 ? ` — ${node[4]} runs (${counts.join(', ')}); Enter or double-click expands` : '';
  return `${node[0]}: ${(node[1] ?? 'no state').toLowerCase()}${took}${group}`;
}

function escapeHtml(/** @type {string} */ text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
