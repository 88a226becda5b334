// The Events, Automations and Blocks pages' decisions: the events query and the filter and stream it
// means, a trigger in a sentence, firings read back from action outcome events, and a block form
// whose secret fields carry only the placeholder.
import type { Event } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import {
  blockFields,
  eventsFilter,
  eventsQueryString,
  firingHistory,
  readEventsQuery,
  resourcePage,
  streamFilter,
  triggerSummary,
} from '../../src/domain/dashboard';

const NOW = new Date('2026-12-07T08:00:00Z');

describe('the events page query', () => {
  it('reads prefix, resource, range and a custom from/to (datetime-local read as UTC), dropping what it cannot use', () => {
    const query = readEventsQuery({
      prefix: [' prefect.flow-run. '],
      resource: ['prefect.flow-run.*'],
      range: ['forever'],
      from: ['2026-12-07T07:30'],
      to: ['not a time'],
    });
    expect(query).toEqual({
      prefix: 'prefect.flow-run.',
      resource: 'prefect.flow-run.*',
      range: 'day',
      from: '2026-12-07T07:30:00.000Z',
      to: null,
      id: null,
      before: null,
    });
    expect(readEventsQuery({ prefix: ['x'.repeat(1_025)] }).prefix).toBeNull();
  });

  it('means a filter on name prefix, resource id and occurred, newest first', () => {
    const query = readEventsQuery({ prefix: ['prefect.'], resource: ['r-1'], range: ['hour'] });
    expect(eventsFilter(query, NOW)).toEqual({
      order: 'DESC',
      occurred: { since: '2026-12-07T07:00:00.000Z' },
      event: { prefix: ['prefect.'] },
      resource: { id: ['r-1'] },
    });
    expect(eventsFilter(readEventsQuery({ range: ['all'] }), NOW)).toEqual({ order: 'DESC' });
  });

  it('follows the stream without a start, and not at all once the range has ended', () => {
    const open = readEventsQuery({ prefix: ['a.'], range: ['hour'] });
    expect(streamFilter(open, NOW)).toEqual({ order: 'DESC', event: { prefix: ['a.'] } });
    const ahead = readEventsQuery({ to: ['2026-12-07T09:00:00Z'] });
    expect(streamFilter(ahead, NOW)?.occurred).toEqual({ until: '2026-12-07T09:00:00.000Z' });
    expect(streamFilter(readEventsQuery({ to: ['2026-12-07T07:00:00Z'] }), NOW)).toBeNull();
  });

  it('reads an older page by its (occurred, seq) cursor and one event by id; neither follows the stream', () => {
    const older = readEventsQuery({ before: ['2026-12-07T07:00:00.000Z_42'], prefix: ['a.'] });
    expect(older.before).toEqual({ occurred: '2026-12-07T07:00:00.000Z', seq: 42 });
    expect(eventsQueryString(older)).toBe('?prefix=a.&before=2026-12-07T07%3A00%3A00.000Z_42');
    expect(streamFilter(older, NOW)).toBeNull();
    expect(readEventsQuery({ before: ['yesterday_1'] }).before).toBeNull();
    const id = '0B6C3C55-8D2A-4F0E-9A57-3A3B8E1F2C11';
    const one = readEventsQuery({ id: [id], range: ['hour'] });
    expect(eventsFilter(one, NOW)).toEqual({ order: 'DESC', id: { id: [id.toLowerCase()] } });
    expect(streamFilter(one, NOW)).toBeNull();
    expect(readEventsQuery({ id: ['not-an-id'] }).id).toBeNull();
  });

  it('writes the query back as URL parameters, defaults left out', () => {
    const query = readEventsQuery({ prefix: ['a b'], range: ['day'] });
    expect(eventsQueryString(query)).toBe('?prefix=a+b');
    expect(eventsQueryString(query, { resource: 'prefect.flow-run.x' })).toBe(
      '?prefix=a+b&resource=prefect.flow-run.x',
    );
  });

  it('links resources the dashboard has pages for, and only well-formed ids', () => {
    expect(resourcePage('prefect.flow-run.0b6c3c55-8d2a-4f0e-9a57-3a3b8e1f2c11')).toBe(
      '/runs/0b6c3c55-8d2a-4f0e-9a57-3a3b8e1f2c11',
    );
    expect(resourcePage('prefect.automation.abc')).toBe('/automations/abc');
    expect(resourcePage('prefect.work-pool.gpu')).toBe('/work-pools');
    expect(resourcePage('prefect.flow-run.a/../../x')).toBeNull();
    expect(resourcePage('prefect.tag.nightly')).toBeNull();
  });
});

describe('a trigger in a sentence', () => {
  it('says what a Reactive and a Proactive event trigger wait for', () => {
    expect(
      triggerSummary({
        type: 'event',
        posture: 'Reactive',
        expect: ['prefect.flow-run.Failed'],
        match: { 'prefect.resource.id': 'prefect.flow-run.*' },
        threshold: 3,
        within: 600,
        for_each: ['prefect.resource.id'],
      }),
    ).toBe(
      'Reactive: 3 × prefect.flow-run.Failed within 10 min for each prefect.resource.id where prefect.resource.id = prefect.flow-run.*',
    );
    expect(
      triggerSummary({
        type: 'event',
        posture: 'Proactive',
        after: ['prefect.flow-run.Running'],
        expect: ['prefect.flow-run.Completed'],
        threshold: 1,
        within: 60,
      }),
    ).toBe(
      'Proactive: fewer than 1 × prefect.flow-run.Completed within 1 min after prefect.flow-run.Running',
    );
  });

  it('names compound, sequence and unknown triggers without guessing', () => {
    const inner = { type: 'event', posture: 'Reactive', expect: ['a'] };
    expect(triggerSummary({ type: 'compound', require: 'all', within: 30, triggers: [inner, inner] })).toBe(
      'all of 2 within 30 s: (Reactive: a), (Reactive: a)',
    );
    expect(triggerSummary({ type: 'sequence', triggers: [inner] })).toBe('in sequence: (Reactive: a)');
    expect(triggerSummary({ type: 'metric' })).toBe('metric trigger');
    expect(triggerSummary(null)).toBe('no trigger');
  });
});

function outcome(overrides: Partial<Event> & { payload: Record<string, unknown> }): Event {
  return {
    id: crypto.randomUUID(),
    occurred: '2026-12-07T07:00:00.000Z',
    event: 'prefect.automation.action.executed',
    resource: { 'prefect.resource.id': 'prefect.automation.a', 'prefect.posture': 'Reactive' },
    related: [],
    received: '2026-12-07T07:00:00.000Z',
    ...overrides,
  };
}

describe('firings read back from action outcomes', () => {
  it('groups outcomes by invocation, newest firing first, actions in order, failed when any failed', () => {
    const history = firingHistory([
      outcome({
        occurred: '2026-12-07T07:00:01.000Z',
        event: 'prefect.automation.action.failed',
        payload: { action_index: 1, action_type: 'call-webhook', invocation: 'a/1', reason: 'HTTP 500' },
      }),
      outcome({
        related: [
          { 'prefect.resource.id': 'prefect.event.e-1', 'prefect.resource.role': 'triggering-event' },
        ],
        payload: { action_index: 0, action_type: 'run-deployment', invocation: 'a/1', flow_run_id: 'r' },
      }),
      outcome({
        occurred: '2026-12-07T07:05:00.000Z',
        payload: { action_index: 0, action_type: 'do-nothing', invocation: 'a/2' },
      }),
      outcome({ event: 'prefect.automation.updated', payload: {} }),
    ]);
    expect(history.map((firing) => [firing.key, firing.ok])).toEqual([
      ['a/2', true],
      ['a/1', false],
    ]);
    expect(history[1]).toMatchObject({
      occurred: '2026-12-07T07:00:00.000Z',
      triggeringEventId: 'e-1',
      actions: [
        { index: 0, type: 'run-deployment', ok: true, details: { flow_run_id: 'r' } },
        { index: 1, type: 'call-webhook', ok: false, details: { reason: 'HTTP 500' } },
      ],
    });
  });
});

describe('a block form from its schema', () => {
  const schema = {
    type: 'object',
    properties: {
      url: { type: 'string', title: 'URL' },
      password: { type: 'string', format: 'password', writeOnly: true, default: 'from-the-schema' },
      port: { type: 'integer' },
    },
    required: ['url', 'password'],
    secret_fields: ['password'],
  };

  it('shows a held secret only as the placeholder, and an unset one empty, never its default', () => {
    const editing = blockFields(schema, { url: 'https://x', password: '********', port: 5 });
    expect(editing.map((field) => [field.name, field.kind, field.secret, field.initial])).toEqual([
      ['url', 'string', false, 'https://x'],
      ['password', 'string', true, '********'],
      ['port', 'integer', false, '5'],
    ]);
    const fresh = blockFields(schema, {});
    expect(fresh.find((field) => field.name === 'password')).toMatchObject({ secret: true, initial: '' });
  });
});
