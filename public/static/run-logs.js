// @ts-check
// The run page's logs, streamed: polls for lines after the last id it has (a cursor, so a page open
// for an hour holds exactly what a fresh one loads), filters by level on the server and by text here.

const POLL_MS = 1500;
const LEVELS = /** @type {Record<number, string>} */ ({
  10: 'DEBUG',
  20: 'INFO',
  30: 'WARNING',
  40: 'ERROR',
  50: 'CRITICAL',
});

const box = document.getElementById('run-logs');
if (box) start(box);

/** @param {HTMLElement} box */
function start(box) {
  const src = box.dataset.src ?? '';
  const levelSelect = /** @type {HTMLSelectElement | null} */ (document.getElementById('log-level'));
  const search = /** @type {HTMLInputElement | null} */ (document.getElementById('log-search'));
  const counter = document.querySelector('.log-count');
  let after = 0;
  let level = Number(levelSelect?.value ?? 0);
  let needle = '';
  let shown = 0;
  let total = 0;
  /** Bumped when the level changes, so an answer to an older request is dropped. */
  let generation = 0;
  /** @type {number | undefined} */
  let timer;

  function matches(/** @type {HTMLElement} */ line) {
    return needle === '' || (line.textContent ?? '').toLowerCase().includes(needle);
  }

  function count() {
    if (counter) counter.textContent = needle ? `${shown} of ${total} lines match` : `${total} lines`;
  }

  /** @param {[number, number, string, string, string, string | null][]} logs */
  function append(logs) {
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
    const fragment = document.createDocumentFragment();
    for (const [id, lvl, timestamp, name, message] of logs) {
      const line = document.createElement('div');
      line.className = 'log-line';
      line.dataset.id = String(id);
      const time = document.createElement('time');
      time.dateTime = timestamp;
      time.textContent = timestamp.slice(11, 23);
      time.title = timestamp;
      const tag = document.createElement('span');
      tag.className = `lvl-${lvl}`;
      tag.textContent = LEVELS[lvl] ?? String(lvl);
      const text = document.createElement('span');
      text.textContent = message;
      text.title = name;
      line.append(time, tag, text);
      line.hidden = !matches(line);
      if (!line.hidden) shown++;
      total++;
      fragment.append(line);
      after = id;
    }
    box.append(fragment);
    if (atBottom) box.scrollTop = box.scrollHeight;
    count();
  }

  let busy = false;

  async function poll() {
    window.clearTimeout(timer);
    if (busy) return;
    busy = true;
    const mine = generation;
    try {
      for (;;) {
        if (document.hidden) return;
        const response = await fetch(`${src}?after=${after}&level=${level}`, {
          credentials: 'same-origin',
          cache: 'no-store',
        });
        if (!response.ok) return;
        const page = await response.json();
        if (mine !== generation) return;
        if (page.logs.length > 0) append(page.logs);
        box.dataset.loaded = 'true';
        if (!page.more) return;
      }
    } catch {
      // The next poll tries again.
    } finally {
      busy = false;
      if (mine === generation) timer = window.setTimeout(poll, POLL_MS);
      else void poll();
    }
  }

  levelSelect?.addEventListener('change', () => {
    generation++;
    level = Number(levelSelect.value);
    after = 0;
    shown = 0;
    total = 0;
    box.replaceChildren();
    void poll();
  });
  search?.addEventListener('input', () => {
    needle = search.value.trim().toLowerCase();
    shown = 0;
    for (const line of box.children) {
      const element = /** @type {HTMLElement} */ (line);
      element.hidden = !matches(element);
      if (!element.hidden) shown++;
    }
    count();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void poll();
  });
  void poll();
}

// A module (the pages load it as one): its names stay its own.
export {};
