// `edgeflow automation …`: list, inspect, pause, resume and delete automations (docs/automations.md).
import { parseArgs } from 'node:util';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, UsageError } from '../connection.ts';
import { dateTime, table } from '../format.ts';
import type { Command } from '../main.ts';

const USAGE = `Usage: edgeflow automation <action> [id] [options]

  ls                 every automation: id, name, enabled, trigger, actions
  inspect <id>       one automation as JSON (Prefect's shape)
  pause <id>         stop it acting (enabled: false)
  resume <id>        let it act again (enabled: true)
  delete <id>        delete it

Options:
${CONNECTION_USAGE}`;

interface TriggerShape {
  type?: string;
  posture?: string;
  expect?: string[];
  after?: string[];
  require?: number | string;
  triggers?: TriggerShape[];
}

/** One line: `Reactive a,b after c`, or a compound/sequence with its children in brackets. */
function triggerText(trigger: TriggerShape): string {
  if (trigger.type === 'compound' || trigger.type === 'sequence') {
    const head = trigger.type === 'compound' ? `compound(${trigger.require})` : 'sequence';
    return `${head} [${(trigger.triggers ?? []).map(triggerText).join('; ')}]`;
  }
  const expect = trigger.expect?.length ? trigger.expect.join(',') : 'any event';
  const after = trigger.after?.length ? ` after ${trigger.after.join(',')}` : '';
  return `${trigger.posture ?? '?'} ${expect}${after}`;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...CONNECTION_OPTIONS },
    allowPositionals: true,
    strict: true,
  });
  const [action, id] = positionals;
  const automations = connect(values).automations;
  const needId = () => {
    if (!id) throw new UsageError(`edgeflow automation ${action} needs an id.\n\n${USAGE}`);
    return id;
  };
  switch (action) {
    case 'ls': {
      const rows = (await automations.list()).map((a) => [
        a.id,
        a.name,
        a.enabled ? 'yes' : 'paused',
        triggerText(a.trigger as TriggerShape),
        a.actions.map((x) => String(x.type)).join(', ') || '-',
        dateTime(a.updated),
      ]);
      console.log(table(['ID', 'NAME', 'ENABLED', 'TRIGGER', 'ACTIONS', 'UPDATED'], rows));
      return 0;
    }
    case 'inspect':
      console.log(JSON.stringify(await automations.read(needId()), null, 2));
      return 0;
    case 'pause':
    case 'resume':
      await automations.setEnabled(needId(), action === 'resume');
      console.log(`${action === 'pause' ? 'paused' : 'resumed'} automation ${id}`);
      return 0;
    case 'delete':
      await automations.remove(needId());
      console.log(`deleted automation ${id}`);
      return 0;
    default:
      throw new UsageError(`edgeflow automation: unknown action "${action ?? ''}"\n\n${USAGE}`);
  }
}

export const automationCommand: Command = {
  name: 'automation',
  summary: 'list, inspect, pause, resume and delete automations',
  usage: USAGE,
  run,
};
