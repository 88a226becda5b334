// The run page: header and actions, state timeline, details, the task runs as a graph and a timeline
// (drawn on a canvas by static/run-graph.js), and the logs (static/run-logs.js). The run and its task
// runs come from the run's object, lists and logs from the index.
import { isTerminal } from 'edgeflow/protocol';
import { logsAfter, subflowRuns } from '../../db/dashboard-queries';
import { readDeployment } from '../../db/deployments';
import { readFlow } from '../../db/flows';
import { filterLogs } from '../../db/logs';
import { type GraphTask, layOutRunGraph, type RunGraph, upstreamOf } from '../../domain/dashboard';
import { flowRunObject } from '../../durable/objects';
import type { TaskRunSummary } from '../../durable/task-run-summaries';
import type { Env } from '../../env';
import { Live } from '../components';
import { digestOf, liveHtml, liveJson, respondTagged } from '../live';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';
import { RunDetails, RunHeader, type RunView, StateTimeline } from './run-parts';
import { loadPausedForInput, ResumeForm } from './run-resume';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOG_PAGE = 500;
const LOG_LEVELS = [0, 10, 20, 30, 40, 50];

async function loadRun(env: Env, id: string): Promise<RunView | null> {
  if (!UUID.test(id)) return null;
  const object = flowRunObject(env, id.toLowerCase());
  const [run, states] = await Promise.all([object.read(), object.readStates()]);
  if (!run || !states) return null;
  const failed = run.state_type === 'FAILED' || run.state_type === 'CRASHED';
  const [flow, deployment, errors, subflows] = await Promise.all([
    readFlow(env.DB, run.flow_id),
    run.deployment_id ? readDeployment(env.DB, run.deployment_id) : null,
    failed
      ? filterLogs(env.DB, {
          logs: { flow_run_id: { any_: [run.id] }, level: { ge_: 40 } },
          sort: 'TIMESTAMP_DESC',
          limit: 1,
          offset: 0,
        })
      : [],
    subflowRuns(env.DB, run.id, 50),
  ]);
  return {
    run,
    states,
    flowName: flow?.name ?? null,
    deploymentName: deployment?.name ?? null,
    traceback: errors[0] ?? null,
    subflows,
  };
}

function notFound(c: DashboardContext, id: string): Promise<Response> {
  return page(
    c,
    { title: 'Flow run not found', current: 'runs' },
    <>
      <h1>Flow run not found</h1>
      <p>
        No flow run has the id <code>{id}</code>. <a href="/runs">All runs</a>
      </p>
    </>,
  ).then((response) => new Response(response.body, { status: 404, headers: response.headers }));
}

export async function runPage(c: DashboardContext): Promise<Response> {
  const id = c.req.param('id')!;
  const view = await loadRun(c.env, id);
  if (!view) return notFound(c, id);
  const viewer = c.get('viewer');
  const base = `/runs/${view.run.id}`;
  // Outside the live header, so a refresh does not wipe what is being typed.
  const paused = await loadPausedForInput(flowRunObject(c.env, view.run.id), view.run);
  return page(
    c,
    { title: view.run.name, current: 'runs', scripts: ['run-graph.js', 'run-logs.js'], styles: ['run.css'] },
    <>
      <p class="crumbs">
        <a href="/runs">Runs</a> /
      </p>
      <Live src={`${base}/live?part=header`} label="Run summary" class="run-header">
        <RunHeader view={view} viewer={viewer} />
      </Live>
      {paused ? <ResumeForm run={view.run} paused={paused} viewer={viewer} /> : null}
      <p class="run-links">
        <a href={`${base}/artifacts`}>Artifacts</a>
      </p>
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">States</h2>
        <Live src={`${base}/live?part=states`} label="State timeline" class="state-timeline">
          <StateTimeline states={view.states} />
        </Live>
      </section>
      <section aria-labelledby="tasks-title" class="tasks">
        <h2 id="tasks-title">Task runs</h2>
        <div class="graph-tools" role="toolbar" aria-label="Task run view">
          <fieldset class="segmented">
            <legend class="visually-hidden">Show task runs as</legend>
            <label>
              <input type="radio" name="task-view" value="graph" checked /> Graph
            </label>
            <label>
              <input type="radio" name="task-view" value="timeline" /> Timeline
            </label>
          </fieldset>
          <button type="button" class="button" data-graph="fit">
            Fit
          </button>
          <span class="graph-summary" aria-live="polite" />
        </div>
        <div class="graph-frame">
          <canvas
            id="run-graph"
            data-src={`${base}/graph`}
            tabindex={0}
            role="img"
            aria-label="Task runs graph: arrow keys pan, + and - zoom, 0 fits, n and p select the next or previous task, Enter expands a selected group"
          />
          <div class="graph-tip" hidden />
        </div>
        <details class="graph-groups">
          <summary>Task runs as a list</summary>
          <div id="graph-list" />
        </details>
      </section>
      <section aria-labelledby="logs-title" class="logs">
        <h2 id="logs-title">Logs</h2>
        <div class="log-tools">
          <label>
            Level
            <select id="log-level">
              {LOG_LEVELS.map((level) => (
                <option value={level} selected={level === 0}>
                  {level === 0 ? 'All' : `${levelName(level)} and above`}
                </option>
              ))}
            </select>
          </label>
          <label>
            Search
            <input id="log-search" type="search" autocomplete="off" />
          </label>
          <span class="log-count" aria-live="polite" />
        </div>
        <div
          id="run-logs"
          class="log-box"
          data-src={`${base}/logs`}
          tabindex={0}
          role="log"
          aria-label="Logs"
        />
      </section>
      <Live src={`${base}/live?part=details`} label="Run details" class="run-details">
        <RunDetails view={view} />
      </Live>
    </>,
  );
}

function levelName(level: number): string {
  return (
    ({ 10: 'Debug', 20: 'Info', 30: 'Warning', 40: 'Error', 50: 'Critical' } as Record<number, string>)[
      level
    ] ?? `Level ${level}`
  );
}

export async function runLive(c: DashboardContext): Promise<Response> {
  const view = await loadRun(c.env, c.req.param('id')!);
  if (!view) return c.body(null, 404);
  switch (c.req.query('part')) {
    case 'states':
      return liveHtml(c, <StateTimeline states={view.states} />);
    case 'details':
      return liveHtml(c, <RunDetails view={view} />);
    default:
      return liveHtml(c, <RunHeader view={view} viewer={c.get('viewer')} />);
  }
}

/** The graph as the canvas reads it: compact rows, states as names (docs/dashboard.md, "Run graph"). */
function graphDocument(graph: RunGraph, total: number, settled: boolean) {
  return {
    total,
    /** The run has ended: its task runs won't change unless it is retried, so the page polls slowly. */
    settled,
    layers: graph.layers,
    rows: graph.rows,
    groups: graph.groups,
    // [label, state, column, row, count, group, start ms, end ms, states of a group]
    nodes: graph.nodes.map((node) => [
      node.label,
      node.state,
      node.layer,
      node.row,
      node.count,
      node.group,
      node.start ? Date.parse(node.start) : null,
      node.end ? Date.parse(node.end) : null,
      node.count > 1 ? node.states : null,
    ]),
    edges: graph.edges.flat(),
  };
}

/**
 * The run's graph, tagged with its task runs' fingerprint (and the run's state, and what is expanded):
 * a poll that still has it gets a 304 after one count in the run's object, not 10,000 task runs.
 */
export async function runGraph(c: DashboardContext): Promise<Response> {
  const id = c.req.param('id')!;
  if (!UUID.test(id)) return c.body(null, 404);
  const object = flowRunObject(c.env, id.toLowerCase());
  const run = await object.read();
  if (!run) return c.body(null, 404);
  const expanded = new Set(c.req.queries('expand') ?? []);
  const prefix = `graph.${run.state_type ?? 'none'}.${await digestOf([...expanded].sort().join('\n'))}.`;
  const known = /^"(.*)"$/.exec(c.req.header('if-none-match') ?? '')?.[1];
  const summary = await object.summariseTaskRuns(
    known?.startsWith(prefix) ? known.slice(prefix.length) : undefined,
  );
  if (!summary) return c.body(null, 404);
  const tag = `"${prefix}${summary.fingerprint}"`;
  const summaries = summary.tasks === null ? null : (JSON.parse(summary.tasks) as TaskRunSummary[]);
  const tasks: GraphTask[] | null =
    summaries?.map((task) => ({
      id: task.id,
      name: task.name,
      task_key: task.task_key,
      state_type: task.state_type,
      start_time: task.start_time,
      end_time: task.end_time,
      upstream: upstreamOf(task.task_inputs),
    })) ?? null;
  return respondTagged(
    c,
    tag,
    () => {
      const graph = layOutRunGraph(tasks ?? [], { expanded });
      return JSON.stringify(graphDocument(graph, tasks?.length ?? 0, isTerminal(run.state_type)));
    },
    'application/json',
  );
}

export async function runLogs(c: DashboardContext): Promise<Response> {
  const id = c.req.param('id')!;
  if (!UUID.test(id)) return c.body(null, 404);
  const after = Number(c.req.query('after') ?? 0);
  const level = Number(c.req.query('level') ?? 0);
  const logs = await logsAfter(c.env.DB, {
    flowRunId: id,
    afterId: Number.isSafeInteger(after) && after > 0 ? after : 0,
    minLevel: Number.isFinite(level) ? level : 0,
    limit: LOG_PAGE,
  });
  return liveJson(c, {
    // [id, level, timestamp, logger name, message, task run id]
    logs: logs.map((log) => [log.id, log.level, log.timestamp, log.name, log.message, log.task_run_id]),
    more: logs.length === LOG_PAGE,
  });
}
