// @ts-check
// The Events page's live feed: follows the API's event stream (Server-Sent Events, with the page's
// filter) and asks the feed's region to re-render when a matching event is stored, at most once a
// second; the region is rendered by the server, so a feed open for an hour shows what a fresh page
// shows (docs/dashboard.md, "Events").

const MIN_GAP_MS = 1000;

const status = document.getElementById('feed-status');
const url = status?.dataset.stream;

if (status && url) {
  const source = new EventSource(url, { withCredentials: true });
  let last = 0;
  /** @type {number | undefined} */
  let pending;

  const refresh = () => {
    pending = undefined;
    last = Date.now();
    document.dispatchEvent(new Event('live:refresh'));
  };

  source.addEventListener('ready', () => {
    status.dataset.state = 'live';
    status.textContent = 'Live: new events appear as they are stored.';
  });
  source.addEventListener('event', () => {
    if (pending !== undefined) return;
    pending = window.setTimeout(refresh, Math.max(0, last + MIN_GAP_MS - Date.now()));
  });
  source.addEventListener('error', () => {
    // EventSource reconnects by itself (sending Last-Event-ID); a closed one was refused for good.
    const closed = source.readyState === EventSource.CLOSED;
    status.dataset.state = closed ? 'closed' : 'reconnecting';
    status.textContent = closed
      ? 'The live stream was refused: reload the page to follow new events.'
      : 'Reconnecting to the live stream…';
  });
}

export {};
