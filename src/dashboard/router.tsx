// The dashboard, served by the Worker at `/`: server-rendered pages and the live regions they poll.
// Every route here is a GET; each change a page offers is a call to /api (docs/dashboard.md).
import { Hono } from 'hono';
import { apiKeysLive, apiKeysPage } from './pages/api-keys';
import { artifactKeyPage, artifactPage, artifactsPage, runArtifactsPage } from './pages/artifacts';
import { editAutomationPage, newAutomationPage } from './pages/automation-form';
import { automationLive, automationPage, automationsLive, automationsPage } from './pages/automations';
import { newBlockPage } from './pages/block-form';
import { blockDocumentPage, blocksPage } from './pages/blocks';
import { concurrencyLive, concurrencyPage } from './pages/concurrency';
import { deploymentLive, deploymentPage, deploymentsPage } from './pages/deployments';
import { eventsLive, eventsPage } from './pages/events';
import { flowsPage } from './pages/flows';
import { overviewLive, overviewPage } from './pages/overview';
import { runGraph, runLive, runLogs, runPage } from './pages/run';
import { runsLive, runsPage } from './pages/runs';
import { variablesPage } from './pages/variables';
import { webhooksLive, webhooksPage } from './pages/webhooks';
import { workPoolsLive, workPoolsPage } from './pages/work-pools';
import { type DashboardEnv, type RouteDefinitions, viewerFrom } from './viewer';

export function dashboardRouter(routes: () => RouteDefinitions) {
  // Per route, not `use('*')`: mounted at `/`, that would run for the API's requests too.
  const viewer = viewerFrom(routes);
  return new Hono<DashboardEnv>()
    .get('/', viewer, overviewPage)
    .get('/live', viewer, overviewLive)
    .get('/runs', viewer, runsPage)
    .get('/runs/live', viewer, runsLive)
    .get('/runs/:id', viewer, runPage)
    .get('/runs/:id/live', viewer, runLive)
    .get('/runs/:id/graph', viewer, runGraph)
    .get('/runs/:id/logs', viewer, runLogs)
    .get('/runs/:id/artifacts', viewer, runArtifactsPage)
    .get('/artifacts', viewer, artifactsPage)
    .get('/artifacts/key/:key', viewer, artifactKeyPage)
    .get('/artifacts/:id', viewer, artifactPage)
    .get('/variables', viewer, variablesPage)
    .get('/events', viewer, eventsPage)
    .get('/events/live', viewer, eventsLive)
    .get('/automations', viewer, automationsPage)
    .get('/automations/live', viewer, automationsLive)
    .get('/automations/new', viewer, newAutomationPage)
    .get('/automations/:id', viewer, automationPage)
    .get('/automations/:id/live', viewer, automationLive)
    .get('/automations/:id/edit', viewer, editAutomationPage)
    .get('/blocks', viewer, blocksPage)
    .get('/blocks/new/:slug', viewer, newBlockPage)
    .get('/blocks/:id', viewer, blockDocumentPage)
    .get('/deployments', viewer, deploymentsPage)
    .get('/deployments/:id', viewer, deploymentPage)
    .get('/deployments/:id/live', viewer, deploymentLive)
    .get('/flows', viewer, flowsPage)
    .get('/work-pools', viewer, workPoolsPage)
    .get('/work-pools/live', viewer, workPoolsLive)
    .get('/concurrency', viewer, concurrencyPage)
    .get('/concurrency/live', viewer, concurrencyLive)
    .get('/api-keys', viewer, apiKeysPage)
    .get('/api-keys/live', viewer, apiKeysLive)
    .get('/webhooks', viewer, webhooksPage)
    .get('/webhooks/live', viewer, webhooksLive);
}
