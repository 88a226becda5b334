// @ts-check
// Every page's script: refreshes live regions in place (short polling with ETags, docs/dashboard.md),
// ticks the durations of running things, and turns buttons and forms into API calls whose answers
// (and refusals, field by field) it shows.

const POLL_MS = 2000;
/** A region that a page script refreshes when something changed (data-push) polls only as a safety net. */
const PUSHED_POLL_MS = 30_000;
const MAX_BACKOFF_MS = 30_000;

/** @param {string} message @param {boolean} [isError] */
function announce(message, isError = false) {
  const status = document.getElementById('status');
  if (!status) return;
  status.replaceChildren();
  const line = document.createElement('span');
  line.textContent = message;
  if (isError) line.className = 'error';
  status.append(line);
}

/** @param {HTMLElement} region */
function watch(region) {
  const src = region.dataset.live;
  if (!src) return;
  const every = region.dataset.push ? PUSHED_POLL_MS : POLL_MS;
  let etag = '';
  let delay = every;
  /** @type {number | undefined} */
  let timer;
  let busy = false;
  // A refresh asked for while a poll is in flight may concern what that poll read too early: go again.
  let again = false;

  async function poll() {
    window.clearTimeout(timer);
    if (busy) {
      again = true;
      return;
    }
    if (document.hidden) return; // visibilitychange polls again
    busy = true;
    try {
      const response = await fetch(/** @type {string} */ (src), {
        headers: etag ? { 'If-None-Match': etag } : {},
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (response.status === 200) {
        etag = response.headers.get('ETag') ?? '';
        swap(region, await response.text());
      }
      delay = response.ok || response.status === 304 ? every : Math.min(delay * 2, MAX_BACKOFF_MS);
    } catch {
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    } finally {
      busy = false;
      timer = window.setTimeout(poll, again ? 0 : delay);
      again = false;
    }
  }
  document.addEventListener('live:refresh', () => void poll());
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void poll();
  });
  timer = window.setTimeout(poll, every);
}

/** Replaces a region's content, keeping keyboard focus on the element with the same id. */
function swap(/** @type {HTMLElement} */ region, /** @type {string} */ html) {
  const focused = document.activeElement;
  const focusId = focused && region.contains(focused) ? focused.id : '';
  // What the reader expanded stays expanded (the events feed's items, by their ids).
  const open = [...region.querySelectorAll('details[open][id]')].map((details) => details.id);
  region.innerHTML = html;
  for (const id of open) document.getElementById(id)?.setAttribute('open', '');
  tick();
  if (focusId) document.getElementById(focusId)?.focus();
  region.dispatchEvent(new CustomEvent('live:updated', { bubbles: true }));
}

/** @param {number} seconds */
function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${pad(whole % 60)}s`;
  if (whole < 86_400) return `${Math.floor(whole / 3600)}h ${pad(Math.floor((whole % 3600) / 60))}m`;
  return `${Math.floor(whole / 86_400)}d ${pad(Math.floor((whole % 86_400) / 3600))}h`;
}

function tick() {
  const now = Date.now();
  for (const element of document.querySelectorAll('[data-since]')) {
    const since = Date.parse(/** @type {HTMLElement} */ (element).dataset.since ?? '');
    if (Number.isFinite(since)) element.textContent = formatDuration(Math.max(0, (now - since) / 1000));
  }
}

/**
 * Calls the API. Returns the parsed answer; `ok` is false for HTTP errors.
 * @param {{ method: string, path: string, body?: unknown }} call
 */
async function callApi(call) {
  const response = await fetch(call.path, {
    method: call.method,
    headers: call.body === undefined ? {} : { 'content-type': 'application/json' },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
    credentials: 'same-origin',
  });
  const text = await response.text();
  /** @type {any} */
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { detail: text };
  }
  return { ok: response.ok, status: response.status, body };
}

/** What an answer means to the person who clicked: orchestration results say whether the state changed. */
function describe(/** @type {{ ok: boolean, status: number, body: any }} */ answer) {
  const body = answer.body ?? {};
  if (!answer.ok) return { text: body.detail ?? `Refused (HTTP ${answer.status})`, error: true };
  if (typeof body.status === 'string' && 'details' in body) {
    const state = body.state ? `${body.state.name}` : 'unchanged';
    const reason = body.details?.reason ? ` (${body.details.reason})` : '';
    if (body.status === 'ACCEPT') return { text: `Done: the run is ${state}.`, error: false };
    return { text: `${body.status}: the run is ${state}${reason}.`, error: body.status === 'ABORT' };
  }
  return { text: 'Done.', error: false };
}

document.addEventListener('click', async (event) => {
  const button = /** @type {HTMLElement | null} */ (
    event.target instanceof Element ? event.target.closest('button[data-call]') : null
  );
  if (!(button instanceof HTMLButtonElement) || button.disabled) return;
  const confirmText = button.dataset.confirm;
  if (confirmText && !window.confirm(confirmText)) return;
  button.disabled = true;
  try {
    const answer = await callApi(JSON.parse(button.dataset.call ?? '{}'));
    const { text, error } = describe(answer);
    announce(text, error);
    // A button whose change removes what the page shows (a delete) goes where it says.
    if (answer.ok && button.dataset.open) window.location.assign(button.dataset.open);
  } catch (error) {
    announce(`The request failed: ${error instanceof Error ? error.message : String(error)}`, true);
  } finally {
    button.disabled = false;
    document.dispatchEvent(new Event('live:refresh'));
  }
});

/**
 * A form field's JSON value by its kind (data-kind): numbers and JSON that don't parse are sent as
 * typed, so the server's check names the field; an empty optional field is left out.
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} field
 */
function fieldValue(field) {
  const kind = field.dataset.kind ?? 'string';
  if (kind === 'boolean' && field instanceof HTMLInputElement) return field.checked;
  const text = field.value;
  if (text.trim() === '') return undefined;
  if (kind === 'datetime') {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? text : date.toISOString();
  }
  if (kind === 'number' || kind === 'integer') {
    const number = Number(text);
    return Number.isFinite(number) ? number : text;
  }
  // A secret that may be text or an object (Prefect's Secret): JSON only when it looks like an object.
  if (kind === 'json-or-text' && !/^\s*[[{]/.test(text)) return text;
  if (kind === 'json' || kind === 'choice' || kind === 'json-or-text') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** `parameters.count` → body.parameters.count. @param {Record<string, any>} body @param {string} path @param {unknown} value */
function setPath(body, path, value) {
  const parts = path.split('.');
  let target = body;
  for (const part of parts.slice(0, -1)) target = target[part] ??= {};
  target[/** @type {string} */ (parts.at(-1))] = value;
}

/** @param {HTMLFormElement} form */
function clearErrors(form) {
  for (const field of form.querySelectorAll('[aria-invalid="true"]')) field.removeAttribute('aria-invalid');
  for (const message of form.querySelectorAll('.field-error')) message.textContent = '';
}

document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.path) return;
  event.preventDefault();
  clearErrors(form);
  /** @type {Record<string, any>} */
  const body = JSON.parse(form.dataset.body ?? '{}');
  for (const element of form.elements) {
    if (
      !(
        element instanceof HTMLInputElement ||
        element instanceof HTMLSelectElement ||
        element instanceof HTMLTextAreaElement
      )
    )
      continue;
    if (!element.name) continue;
    const value = fieldValue(element);
    if (value !== undefined) setPath(body, element.name, value);
  }
  const submit = form.querySelector('button[type="submit"]');
  if (submit instanceof HTMLButtonElement) submit.disabled = true;
  try {
    const answer = await callApi({ method: form.dataset.method ?? 'POST', path: form.dataset.path, body });
    if (answer.ok) {
      form.dispatchEvent(new CustomEvent('api:done', { bubbles: true, detail: answer.body }));
      if (form.dataset.then === 'open-run' && answer.body?.id)
        window.location.assign(`/runs/${answer.body.id}`);
      else if (form.dataset.open)
        window.location.assign(form.dataset.open.replace('{id}', String(answer.body?.id ?? '')));
      else if (form.dataset.secret) showSecret(form, String(answer.body?.[form.dataset.secret] ?? ''));
      else announce('Done.');
      document.dispatchEvent(new Event('live:refresh'));
      return;
    }
    showRefusal(form, answer.body ?? {}, answer.status);
  } catch (error) {
    announce(`The request failed: ${error instanceof Error ? error.message : String(error)}`, true);
  } finally {
    if (submit instanceof HTMLButtonElement) submit.disabled = false;
  }
});

/** A secret the server shows once (a new key or webhook): into the form's box, focused to copy. */
function showSecret(/** @type {HTMLFormElement} */ form, /** @type {string} */ secret) {
  const box = form.querySelector('[data-secret-out]');
  const code = box?.querySelector('code');
  if (!(box instanceof HTMLElement) || !code) return;
  form.reset();
  code.textContent = secret;
  box.hidden = false;
  code.tabIndex = -1;
  code.focus();
  getSelection()?.selectAllChildren(code);
  announce('Created. Copy the secret now: it is not shown again.');
}

/**
 * The control for a field the server names, or for the nearest enclosing one: `trigger.posture` and
 * `actions[0].url` go by the JSON editors named `trigger` and `actions`.
 * @param {HTMLFormElement} form @param {string} name
 */
function fieldNamed(form, name) {
  for (let path = name; path; path = path.replace(/(\.[^.[\]]*|\[\d+\])$/, '')) {
    const field = form.querySelector(`[name="${CSS.escape(path)}"]`);
    if (field) return field;
    if (!/(\.[^.[\]]*|\[\d+\])$/.test(path)) break;
  }
  return null;
}

/** Puts the server's message by the field it names (or on the form), and moves focus there. */
function showRefusal(
  /** @type {HTMLFormElement} */ form,
  /** @type {any} */ body,
  /** @type {number} */ status,
) {
  const detail = body.detail ?? `Refused (HTTP ${status})`;
  const field = body.field ? fieldNamed(form, String(body.field)) : null;
  if (field instanceof HTMLElement) {
    field.setAttribute('aria-invalid', 'true');
    const message = document.getElementById(`${field.id}-error`);
    if (message) message.textContent = detail;
    field.focus();
  } else {
    const message = form.querySelector('.form-error');
    if (message) message.textContent = detail;
  }
  announce(detail, true);
}

for (const region of document.querySelectorAll('[data-live]')) watch(/** @type {HTMLElement} */ (region));
tick();
window.setInterval(tick, 1000);

// A select marked data-autosubmit applies its form as soon as it changes (the button stays for keyboards).
document.addEventListener('change', (event) => {
  const select = event.target;
  if (select instanceof HTMLSelectElement && select.dataset.autosubmit !== undefined)
    select.form?.requestSubmit();
});

// A module (the pages load it as one): its names stay its own.
export {};
