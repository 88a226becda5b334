// The sign-in page: a form taking an API key, or a one-time link's Continue button. Server-rendered,
// no script, readable in light and dark.
import { raw } from 'hono/html';

const STYLE = raw(`
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
main { width: min(26rem, calc(100vw - 2rem)); }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit; }
.help { font-size: .9rem; opacity: .8; margin: .25rem 0 1rem; }
.error { border-left: .25rem solid #c62828; padding: .25rem .75rem; margin: 0 0 1rem; }
button { font: inherit; padding: .5rem 1.25rem; cursor: pointer; }
:focus-visible { outline: .2rem solid Highlight; outline-offset: .15rem; }
`);

/** Whom a one-time link signs in as, shown before it is used. */
export interface LinkHolder {
  keyName: string | null;
  scope: string;
}

export interface SignInPageProps {
  /** Where to go after signing in (already checked to be a path on this server). */
  next: string;
  error?: string;
  /** A valid one-time link's token: the page asks to continue with it instead of asking for a key. */
  link?: { token: string; holder: LinkHolder };
}

function KeyForm({ next, error }: { next: string; error?: string }) {
  return (
    <form method="post" action="/signin">
      <label for="key">API key</label>
      <input
        id="key"
        name="key"
        type="password"
        autocomplete="current-password"
        required
        autofocus
        aria-describedby={error ? 'key-help sign-in-error' : 'key-help'}
        aria-invalid={error ? 'true' : undefined}
      />
      <p id="key-help" class="help">
        An admin, agent or read key. A read key sees everything and changes nothing.
      </p>
      <input type="hidden" name="next" value={next} />
      <button type="submit">Sign in</button>
    </form>
  );
}

function LinkForm({ next, token, holder }: { next: string; token: string; holder: LinkHolder }) {
  const who = holder.keyName ? `the key “${holder.keyName}” (${holder.scope})` : 'the admin key';
  return (
    <form method="post" action="/signin">
      <p>This one-time link signs you in with {who}.</p>
      <input type="hidden" name="token" value={token} />
      <input type="hidden" name="next" value={next} />
      <button type="submit" autofocus>
        Continue
      </button>
    </form>
  );
}

export function SignInPage({ next, error, link }: SignInPageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>Sign in · Edgeflow</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <main>
          <h1>Sign in to Edgeflow</h1>
          {error ? (
            <p id="sign-in-error" class="error" role="alert">
              {error}
            </p>
          ) : null}
          {link ? (
            <LinkForm next={next} token={link.token} holder={link.holder} />
          ) : (
            <KeyForm next={next} error={error} />
          )}
        </main>
      </body>
    </html>
  );
}
