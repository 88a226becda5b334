import type { Event } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import {
  AutomationCreateSchema,
  AutomationPatchSchema,
  actionStateEventId,
  renderParameters,
  renderTemplate,
  templateContext,
  templateProblem,
  triggerStateEvents,
} from '../../src/domain/automations';

const failed: Event = {
  id: '00000000-0000-4000-8000-000000000001',
  occurred: '2026-01-01T12:00:00.000Z',
  received: '2026-01-01T12:00:00.010Z',
  event: 'prefect.flow-run.Failed',
  resource: {
    'prefect.resource.id': 'prefect.flow-run.abc',
    'prefect.resource.name': 'brave-otter',
    'prefect.state-type': 'FAILED',
  },
  related: [
    {
      'prefect.resource.id': 'prefect.flow.x',
      'prefect.resource.role': 'flow',
      'prefect.resource.name': 'etl',
    },
  ],
  payload: { validated_state: { type: 'FAILED', message: 'boom' } },
};
const context = templateContext(
  failed,
  { id: 'auto-1', name: 'on failure' },
  { id: 'f-1', triggered: failed.occurred, labels: {} },
);

describe('action templates', () => {
  it('substitutes event fields, Prefect resource shorthands and bracketed labels', () => {
    expect(renderTemplate('Run {{ event.resource.name }} ({{ event.resource.id }}) failed', context)).toBe(
      'Run brave-otter (prefect.flow-run.abc) failed',
    );
    expect(renderTemplate('{{ event.resource["prefect.state-type"] }}', context)).toBe('FAILED');
    expect(renderTemplate("{{ event.resource_in_role['flow'].name }}", context)).toBe('etl');
    expect(
      renderTemplate('{{ event.related[0].id }}/{{ event.payload.validated_state.message }}', context),
    ).toBe('prefect.flow.x/boom');
    expect(renderTemplate('{{ event.payload | tojson }}', context)).toBe(JSON.stringify(failed.payload));
    expect(renderTemplate('{{ automation.name }}: {{ firing.id }}', context)).toBe('on failure: f-1');
  });

  it('renders a missing field empty and never reaches prototypes or functions', () => {
    expect(renderTemplate('[{{ event.nothing.here }}]', context)).toBe('[]');
    expect(
      renderTemplate(
        '[{{ event.constructor }}][{{ event.__proto__ }}][{{ event.resource.toString }}]',
        context,
      ),
    ).toBe('[][][]');
  });

  it('refuses code, statements and anything but field paths when the automation is written', () => {
    expect(templateProblem('{{ event.resource.id }}')).toBeNull();
    expect(templateProblem('{% for x in y %}{% endfor %}')).toMatch(/only \{\{ field \}\}/);
    expect(templateProblem('{{ event.resource.id.__class__() }}')).toMatch(/only field paths/);
    expect(templateProblem('{{ 1 + 1 }}')).toMatch(/must start with a field name/);
    expect(templateProblem('{{ event.id')).toMatch(/without a closing/);
  });

  it('renders run-deployment parameters: plain strings and Prefect jinja objects', () => {
    const parameters = {
      run_id: { __prefect_kind: 'jinja', template: '{{ event.resource.id }}' },
      note: 'x {{ event.event }}',
      n: 3,
      keep: ['a'],
    };
    expect(renderParameters(parameters, context)).toEqual({
      run_id: 'prefect.flow-run.abc',
      note: 'x prefect.flow-run.Failed',
      n: 3,
      keep: ['a'],
    });
  });
});

const base = {
  name: 'on failure',
  trigger: { type: 'event', posture: 'Reactive', expect: ['prefect.flow-run.Failed'] },
};

describe('automation bodies', () => {
  it("reads Prefect's automation JSON with its defaults", () => {
    const parsed = AutomationCreateSchema.parse({
      ...base,
      actions: [
        {
          type: 'run-deployment',
          source: 'selected',
          deployment_id: 'd-1',
          parameters: { id: '{{ event.resource.id }}' },
          job_variables: {},
        },
      ],
    });
    expect(parsed).toMatchObject({
      enabled: true,
      description: '',
      actions_on_trigger: [],
      actions_on_resolve: [],
    });
    expect(parsed.trigger).toMatchObject({ threshold: 1, for_each: [], match: {} });
  });

  it('accepts suspend-flow-run now that the SDK can suspend a run', () => {
    const result = AutomationCreateSchema.safeParse({
      ...base,
      actions: [{ type: 'do-nothing' }, { type: 'suspend-flow-run' }],
    });
    expect(result.success).toBe(true);
  });

  it('refuses a trigger type it does not know, naming the field', () => {
    const result = AutomationCreateSchema.safeParse({
      ...base,
      trigger: { type: 'metric', posture: 'Metric' },
    });
    expect(result.error?.issues[0]?.path).toEqual(['trigger', 'type']);
  });

  it('needs a deployment id for a selected run-deployment and a valid template in its parameters', () => {
    const missing = AutomationCreateSchema.safeParse({ ...base, actions: [{ type: 'run-deployment' }] });
    expect(missing.error?.issues[0]?.path).toEqual(['actions', 0, 'deployment_id']);
    const inferred = AutomationCreateSchema.safeParse({
      ...base,
      actions: [{ type: 'run-deployment', source: 'inferred' }],
    });
    expect(inferred.success).toBe(true);
    const bad = AutomationCreateSchema.safeParse({
      ...base,
      actions: [{ type: 'run-deployment', deployment_id: 'd', parameters: { a: ['{% x %}'] } }],
    });
    expect(bad.error?.issues[0]?.path).toEqual(['actions', 0, 'parameters.a[0]']);
  });

  it('takes a webhook URL and headers inline, http(s) only', () => {
    const ok = AutomationCreateSchema.safeParse({
      ...base,
      actions: [
        {
          type: 'call-webhook',
          url: 'https://example.test/hook',
          headers: { Authorization: 'Bearer x' },
          payload: '{"run": "{{ event.resource.id }}"}',
        },
      ],
    });
    expect(ok.success).toBe(true);
    const bad = AutomationCreateSchema.safeParse({
      ...base,
      actions: [{ type: 'send-notification', url: 'file:///etc/passwd', body: 'x' }],
    });
    expect(bad.error?.issues[0]?.path).toEqual(['actions', 0, 'url']);
  });

  it('patches only the fields given (pause is enabled: false)', () => {
    expect(AutomationPatchSchema.parse({ enabled: false })).toEqual({ enabled: false });
  });
});

describe('trigger state events', () => {
  const ids = { Triggered: 't-1', Resolved: 'r-1' };
  const firing = {
    id: 'event:1',
    triggered: failed.occurred,
    posture: 'Reactive' as const,
    states: ['Triggered' as const, 'Resolved' as const],
    labels: {},
    count: 1,
    event: failed,
  };

  it("makes Prefect's triggered and resolved events, Triggered first, related to the triggering event", () => {
    const events = triggerStateEvents({ id: 'auto-1', name: 'on failure' }, firing, ids);
    expect(events.map((e) => [e.id, e.event])).toEqual([
      ['t-1', 'prefect.automation.triggered'],
      ['r-1', 'prefect.automation.resolved'],
    ]);
    expect(events[0]).toMatchObject({
      occurred: failed.occurred,
      resource: { 'prefect.resource.id': 'prefect.automation.auto-1', 'prefect.posture': 'Reactive' },
      related: [
        { 'prefect.resource.id': `prefect.event.${failed.id}`, 'prefect.resource.role': 'triggering-event' },
      ],
      payload: { triggering_labels: {}, triggering_event: { id: failed.id, payload: failed.payload } },
    });
  });

  it('carries a triggering event over 256 KB as its summary', () => {
    const large = { ...failed, payload: { blob: 'x'.repeat(300_000) } };
    const [event] = triggerStateEvents({ id: 'a', name: 'n' }, { ...firing, event: large }, ids);
    expect(event?.payload.triggering_event).toEqual({
      id: failed.id,
      occurred: failed.occurred,
      event: failed.event,
      resource: failed.resource,
      truncated: true,
    });
  });

  it('links actions to the state they answer, as Prefect does', () => {
    expect(actionStateEventId('actions', ids)).toBe('t-1');
    expect(actionStateEventId('actions_on_trigger', ids)).toBe('t-1');
    expect(actionStateEventId('actions_on_resolve', ids)).toBe('r-1');
    expect(actionStateEventId('actions', { Resolved: 'r-1' })).toBe('r-1');
  });
});
