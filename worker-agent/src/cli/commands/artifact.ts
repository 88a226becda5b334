// `edgeflow artifact …`: list artifacts (latest per key, or every version) and inspect one
// (docs/artifacts.md).
import { parseArgs } from 'node:util';
import type { Artifact, ArtifactFilterBody } from '../../protocol/index.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, UsageError } from '../connection.ts';
import { dateTime, table } from '../format.ts';
import type { Command } from '../main.ts';

const USAGE = `Usage: edgeflow artifact <action> [arguments] [options]

Artifacts flows publish (markdown, tables, links, progress, images):
  ls                       the latest version of each key, newest first
  inspect <key-or-id>      one artifact with its data (a key shows its latest version)

Options:
  --artifact KEY           only this artifact key (ls; repeatable)
  --flow-run ID            only artifacts of this flow run, keyless ones included (ls)
  --all-versions           every version, not only the latest per key (ls)
  --limit N                at most N (ls; default 50, at most 200)
  --json                   print JSON
${CONNECTION_USAGE}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function summary(artifact: Artifact): string {
  const text = typeof artifact.data === 'string' ? artifact.data : JSON.stringify(artifact.data);
  const line = (text ?? '').replace(/\s+/g, ' ');
  return line.length > 50 ? `${line.slice(0, 47)}...` : line;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      artifact: { type: 'string', multiple: true },
      'flow-run': { type: 'string' },
      'all-versions': { type: 'boolean', default: false },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, reference] = positionals;
  const artifacts = connect(values).artifacts;
  switch (action) {
    case 'ls': {
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200)
        throw new UsageError('--limit takes a whole number from 1 to 200.');
      const flowRun = values['flow-run'];
      const body: Partial<ArtifactFilterBody> = {
        artifacts: {
          ...(values.artifact ? { key: { any_: values.artifact } } : {}),
          ...(flowRun ? { flow_run_id: { any_: [flowRun] } } : {}),
        },
        sort: 'CREATED_DESC',
        limit,
      };
      // A run's keyless artifacts have no latest-per-key row: with --flow-run, every version shows.
      const all = values['all-versions'] || flowRun !== undefined;
      const list: Artifact[] = all ? await artifacts.list(body) : await artifacts.listLatest(body);
      if (values.json) {
        for (const artifact of list) console.log(JSON.stringify(artifact));
        return 0;
      }
      const rows = list.map((a) => [a.key ?? '-', a.type, summary(a), dateTime(a.created), a.id]);
      console.log(table(['KEY', 'TYPE', 'DATA', 'CREATED', 'ID'], rows));
      return 0;
    }
    case 'inspect': {
      if (!reference) throw new UsageError(`edgeflow artifact inspect needs a key or an id.\n\n${USAGE}`);
      const artifact = UUID.test(reference)
        ? await artifacts.read(reference)
        : await artifacts.latest(reference);
      if (values.json) {
        console.log(JSON.stringify(artifact, null, 2));
        return 0;
      }
      console.log(`${artifact.key ?? '(no key)'}  ${artifact.type}  ${artifact.id}`);
      console.log(`created ${dateTime(artifact.created)}, updated ${dateTime(artifact.updated)}`);
      if (artifact.flow_run_id) console.log(`flow run ${artifact.flow_run_id}`);
      if (artifact.task_run_id) console.log(`task run ${artifact.task_run_id}`);
      if (artifact.description) console.log(`\n${artifact.description}`);
      console.log('');
      console.log(typeof artifact.data === 'string' ? artifact.data : JSON.stringify(artifact.data, null, 2));
      return 0;
    }
    default:
      throw new UsageError(USAGE);
  }
}

export const artifactCommand: Command = {
  name: 'artifact',
  summary: 'list and inspect artifacts',
  usage: USAGE,
  run,
};
