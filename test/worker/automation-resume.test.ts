// A paused automation acts on nothing that happened while it was paused: when none is enabled the
// evaluator forgets its cursor, and the first cursor after that starts at the enabled automations'
// last change (`updated`: a resume is one), not at their creation (docs/automations.md). Its own
// storage (vitest.config.ts): with another file's automation enabled, the cursor would never be
// forgotten.
import { describe, expect, it } from 'vitest';
import { api } from './api';
import { createAutomation, emit, nudge, outcomes, setClock } from './automations';

/** An event that occurred now, as a client would stamp it. */
function happeningNow(name: string) {
  return {
    id: crypto.randomUUID(),
    occurred: new Date().toISOString(),
    event: name,
    resource: { 'prefect.resource.id': 'thing.resumed' },
    related: [],
    payload: {},
  };
}

/** Lets the clock move on, so what follows has a later timestamp than what came before. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('a paused automation, resumed', () => {
  it('acts on events after its resume, not on those of its pause, and not again on those before', async () => {
    await setClock(Date.now());
    const id = await createAutomation({
      trigger: { type: 'event', posture: 'Reactive', expect: ['ping'] },
      actions: [{ type: 'do-nothing' }],
    });
    await nudge();
    await tick();
    await emit(happeningNow('ping'));
    await nudge();
    expect(await outcomes(id)).toHaveLength(1);

    expect((await api('PATCH', `/automations/${id}`, { enabled: false })).status).toBe(204);
    await nudge();
    await tick();
    await emit(happeningNow('ping'));
    await nudge();
    await tick();

    expect((await api('PATCH', `/automations/${id}`, { enabled: true })).status).toBe(204);
    await nudge();
    await nudge();
    expect(await outcomes(id)).toHaveLength(1);

    await tick();
    await emit(happeningNow('ping'));
    await nudge();
    expect(await outcomes(id)).toHaveLength(2);
  });
});
