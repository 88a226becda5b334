// The run page's regions: the header with its actions and facts, the state timeline, and the details
// (parameters, result or error with its traceback, subflows). Each re-renders whole when polled.
import { type FlowRun, isTerminal, type Log, type State } from 'edgeflow/protocol';
import type { Child } from 'hono/jsx';
import { type RunAction, runActionCall, runActions } from '../../domain/dashboard';
import { ApiButton, Duration, Empty, ScopeNote, StateBadge, Time } from '../components';
import { formatDuration, formatJson, secondsBetween } from '../format';
import type { Viewer } from '../viewer';
import { waitsForInput } from './run-resume';

export interface RunView {
  run: FlowRun;
  states: State[];
  flowName: string | null;
  deploymentName: string | null;
  /** The last error-level log, which carries the traceback the flow failed with. */
  traceback: Log | null;
  subflows: FlowRun[];
}

const ACTIONS: Record<RunAction, { label: string; confirm?: string; variant?: 'danger' }> = {
  cancel: { label: 'Cancel', confirm: 'Cancel this flow run?', variant: 'danger' },
  resume: { label: 'Resume' },
  retry: { label: 'Retry', confirm: 'Run this flow run again?' },
};

/** The route an action calls, as the OpenAPI document writes it: its scope decides the button. */
function routeOf(action: RunAction): string {
  const call = runActionCall(action, '{id}');
  return `${call.method} ${call.path}`;
}

function Fact(props: { term: string; children: Child }) {
  return (
    <div>
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

export function RunHeader(props: { view: RunView; viewer: Viewer }) {
  const { run } = props.view;
  const actions = runActions(run);
  const blocked = actions.some((action) => !props.viewer.may(routeOf(action)));
  return (
    <>
      <div class="title-row">
        <h1>
          <span class="visually-hidden">Flow run </span>
          {run.name}
        </h1>
        <StateBadge type={run.state_type} name={run.state_name} />
        <div class="actions">
          {actions.map((action) =>
            // A pause waiting for typed input is resumed through its form (run-resume.tsx).
            action === 'resume' && waitsForInput(run) ? (
              <a id="run-resume" class="button" href="#resume-form">
                Resume…
              </a>
            ) : (
              <ApiButton
                viewer={props.viewer}
                id={`run-${action}`}
                route={routeOf(action)}
                call={runActionCall(action, run.id)}
                label={ACTIONS[action].label}
                confirm={ACTIONS[action].confirm}
                variant={ACTIONS[action].variant}
              />
            ),
          )}
        </div>
      </div>
      <ScopeNote viewer={props.viewer} show={blocked} />
      {run.state?.message ? <p class="state-message">{run.state.message}</p> : null}
      <dl class="facts">
        <Fact term="Flow">{props.view.flowName ?? run.flow_id}</Fact>
        <Fact term="Deployment">
          {run.deployment_id ? (
            <a href={`/deployments/${run.deployment_id}`}>{props.view.deploymentName ?? run.deployment_id}</a>
          ) : (
            '—'
          )}
        </Fact>
        <Fact term="Work pool">
          {run.work_pool_name
            ? `${run.work_pool_name}${run.work_queue_name ? ` / ${run.work_queue_name}` : ''}`
            : '—'}
        </Fact>
        <Fact term="Expected start">
          <Time iso={run.expected_start_time} />
        </Fact>
        <Fact term="Started">
          <Time iso={run.start_time} />
        </Fact>
        <Fact term="Ended">
          <Time iso={run.end_time} />
        </Fact>
        <Fact term="Duration">
          <Duration start={run.start_time} end={run.end_time} running={!isTerminal(run.state_type)} />
        </Fact>
        <Fact term="Attempts">{String(run.run_count)}</Fact>
        <Fact term="Tags">{run.tags.length > 0 ? run.tags.join(', ') : '—'}</Fact>
        <Fact term="Id">
          <code>{run.id}</code>
        </Fact>
      </dl>
    </>
  );
}

/** The states in order, as a bar (time spent in each, to now for the current one) and a list. */
export function StateTimeline(props: { states: State[] }) {
  const { states } = props;
  if (states.length === 0) return <Empty>No states yet.</Empty>;
  const start = new Date(states[0]!.timestamp).getTime();
  const lastType = states[states.length - 1]!.type;
  // A finished run's timeline ends at its last state, so it renders the same on every poll.
  const end = isTerminal(lastType) ? new Date(states[states.length - 1]!.timestamp).getTime() : null;
  const spans = states.map((state, i) => {
    const from = new Date(state.timestamp).getTime();
    const next = states[i + 1];
    const to = next ? new Date(next.timestamp).getTime() : (end ?? from);
    return { state, seconds: Math.max(0, (to - from) / 1000), open: !next && end === null };
  });
  const total = Math.max(1, (end ?? new Date(states[states.length - 1]!.timestamp).getTime()) - start) / 1000;
  return (
    <>
      <div class="timeline-bar" aria-hidden="true">
        {spans.map((span) => (
          <span
            class={`seg state-${span.state.type.toLowerCase()}${span.open ? ' open' : ''}`}
            style={span.open ? undefined : `flex-grow:${Math.max(span.seconds / total, 0.02).toFixed(4)}`}
          />
        ))}
      </div>
      <ol class="states">
        {spans.map((span) => (
          <li>
            <StateBadge type={span.state.type} name={span.state.name} /> <Time iso={span.state.timestamp} />
            <span class="muted"> {span.open ? 'now' : `for ${formatDuration(span.seconds)}`}</span>
            {span.state.message ? <span class="state-note"> — {span.state.message}</span> : null}
          </li>
        ))}
      </ol>
    </>
  );
}

function isStoredResult(data: unknown): data is { storage_key: string; serializer?: string } {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { storage_key?: unknown }).storage_key === 'string'
  );
}

function Result(props: { run: FlowRun }) {
  const { run } = props;
  if (run.state_type !== 'COMPLETED') return null;
  const data = run.state?.data;
  if (isStoredResult(data)) {
    return (
      <section aria-labelledby="result-title">
        <h2 id="result-title">Result</h2>
        <p>
          Stored in R2 as <code>{data.storage_key}</code> (
          <a href={`/api/results/${data.storage_key.split('/').map(encodeURIComponent).join('/')}`}>
            download
          </a>
          ).
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="result-title">
      <h2 id="result-title">Result</h2>
      {data === undefined || data === null ? (
        <Empty>No result.</Empty>
      ) : (
        <pre class="json">{formatJson(data)}</pre>
      )}
    </section>
  );
}

function Failure(props: { run: FlowRun; traceback: Log | null }) {
  const { run } = props;
  if (run.state_type !== 'FAILED' && run.state_type !== 'CRASHED') return null;
  return (
    <section aria-labelledby="error-title" class="failure">
      <h2 id="error-title">Error</h2>
      <p>{run.state?.message ?? 'The run failed without a message.'}</p>
      {props.traceback ? (
        <>
          <h3>Traceback</h3>
          <pre class="traceback">{props.traceback.message}</pre>
        </>
      ) : null}
    </section>
  );
}

export function RunDetails(props: { view: RunView }) {
  const { run, subflows } = props.view;
  return (
    <>
      <Failure run={run} traceback={props.view.traceback} />
      <Result run={run} />
      <section aria-labelledby="parameters-title">
        <h2 id="parameters-title">Parameters</h2>
        {Object.keys(run.parameters).length === 0 ? (
          <Empty>No parameters.</Empty>
        ) : (
          <pre class="json">{formatJson(run.parameters)}</pre>
        )}
      </section>
      {subflows.length === 0 ? null : (
        <section aria-labelledby="subflows-title">
          <h2 id="subflows-title">Subflows</h2>
          <ul class="plain">
            {subflows.map((sub) => (
              <li>
                <StateBadge type={sub.state_type} name={sub.state_name} />{' '}
                <a href={`/runs/${sub.id}`}>{sub.name}</a>{' '}
                <span class="muted">{formatDuration(secondsBetween(sub.start_time, sub.end_time))}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
