// An automation's firings, newest first: when, whether every action executed, each action's outcome
// with what it did or why it failed, and the event that caused it (docs/automations.md).
import type { FiringView } from '../../domain/dashboard';
import { Empty, Time } from '../components';

export function Firings(props: { firings: FiringView[] }) {
  if (props.firings.length === 0) return <Empty>It has not fired yet.</Empty>;
  return (
    <table class="firings">
      <caption class="visually-hidden">Firings, newest first</caption>
      <thead>
        <tr>
          <th scope="col" class="col-time">
            Fired
          </th>
          <th scope="col" class="col-duration">
            Outcome
          </th>
          <th scope="col">Actions</th>
          <th scope="col">Triggering event</th>
        </tr>
      </thead>
      <tbody>
        {props.firings.map((firing) => (
          <tr data-firing={firing.key}>
            <td>
              <Time iso={firing.occurred} />
            </td>
            <td class={firing.ok ? undefined : 'error-text'}>{firing.ok ? 'executed' : 'failed'}</td>
            <td class="wrap">
              <ol class="outcomes">
                {firing.actions.map((action) => (
                  <li class={action.ok ? undefined : 'error-text'}>
                    {action.type}: {action.ok ? 'executed' : 'failed'}
                    {Object.keys(action.details).length > 0 ? (
                      <code> {JSON.stringify(action.details)}</code>
                    ) : null}
                  </li>
                ))}
              </ol>
            </td>
            <td>
              {firing.triggeringEventId ? (
                <a href={`/events?id=${encodeURIComponent(firing.triggeringEventId)}`}>
                  <code>{firing.triggeringEventId.slice(0, 8)}</code>
                </a>
              ) : (
                <span class="muted">{firing.posture === 'Proactive' ? 'none (a window ended)' : '—'}</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
