// Every page's frame: head (styles and scripts, named with the Worker's version so a deploy refreshes
// the cached copies), the navigation, the main region and the status line actions report to.
import type { Child } from 'hono/jsx';
import type { DashboardContext, Viewer } from './viewer';

export const NAV = [
  { key: 'overview', href: '/', label: 'Overview' },
  { key: 'runs', href: '/runs', label: 'Runs' },
  { key: 'flows', href: '/flows', label: 'Flows' },
  { key: 'deployments', href: '/deployments', label: 'Deployments' },
  { key: 'work-pools', href: '/work-pools', label: 'Work pools' },
  { key: 'concurrency', href: '/concurrency', label: 'Concurrency' },
  { key: 'events', href: '/events', label: 'Events' },
  { key: 'automations', href: '/automations', label: 'Automations' },
  { key: 'blocks', href: '/blocks', label: 'Blocks' },
  { key: 'artifacts', href: '/artifacts', label: 'Artifacts' },
  { key: 'variables', href: '/variables', label: 'Variables' },
  { key: 'api-keys', href: '/api-keys', label: 'API keys' },
  { key: 'webhooks', href: '/webhooks', label: 'Webhooks' },
] as const;
export type NavKey = (typeof NAV)[number]['key'];

/** The client scripts, one per concern; each page loads what it uses. */
export type Script = 'dashboard.js' | 'events-live.js' | 'run-graph.js' | 'run-logs.js';
/** Stylesheets beyond the base and the pages' ones. */
export type Style = 'events.css' | 'run.css';

export function assetUrl(c: DashboardContext, file: string): string {
  return `/static/${file}?v=${encodeURIComponent(c.env.VERSION?.id ?? 'dev')}`;
}

function Shell(props: {
  c: DashboardContext;
  title: string;
  current: NavKey | null;
  viewer: Viewer;
  scripts: Script[];
  styles: Style[];
  children: Child;
}) {
  const { c } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${props.title} · Edgeflow`}</title>
        <link rel="icon" href={assetUrl(c, 'icon.svg')} type="image/svg+xml" />
        {['dashboard.css', 'pages.css', ...props.styles].map((style) => (
          <link rel="stylesheet" href={assetUrl(c, style)} />
        ))}
        {['dashboard.js', ...props.scripts.filter((s) => s !== 'dashboard.js')].map((script) => (
          <script type="module" src={assetUrl(c, script)} />
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            Edgeflow
          </a>
          <nav aria-label="Main">
            <ul>
              {NAV.map((item) => (
                <li>
                  <a href={item.href} aria-current={item.key === props.current ? 'page' : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <span class="who">
            Key scope: <strong>{props.viewer.scope}</strong>
          </span>
          <form class="sign-out" method="post" action="/signout">
            <button class="button" type="submit">
              Sign out
            </button>
          </form>
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <div id="status" class="status" role="status" aria-live="polite" />
      </body>
    </html>
  );
}

/** A whole page: the shell around `children`, as HTML. */
export async function page(
  c: DashboardContext,
  options: { title: string; current: NavKey | null; scripts?: Script[]; styles?: Style[] },
  children: Child,
): Promise<Response> {
  const html = await (
    <Shell
      c={c}
      title={options.title}
      current={options.current}
      viewer={c.get('viewer')}
      scripts={options.scripts ?? []}
      styles={options.styles ?? []}
    >
      {children}
    </Shell>
  ).toString();
  return c.html(`<!doctype html>${html}`, 200, { 'Cache-Control': 'no-store' });
}
