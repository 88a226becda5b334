// `edgeflow variable …`: read, set, list and remove variables (docs/variables.md).
import { parseArgs } from 'node:util';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, UsageError } from '../connection.ts';
import { dateTime, table } from '../format.ts';
import type { Command } from '../main.ts';

const USAGE = `Usage: edgeflow variable <action> [arguments] [options]

Variables: named JSON values flows read with getVariable().
  get <name>               print the value as JSON
  set <name> <value>       store a value: JSON when it parses as JSON, else the text itself;
                           an existing variable needs --overwrite
  ls                       every variable (name, value, tags, updated)
  unset <name>             delete a variable (takes an admin key)

Options:
  --overwrite              replace the value of an existing variable (set)
  --tag TAG                a tag for the variable (set; repeatable)
${CONNECTION_USAGE}`;

/** `42`, `true`, `{"a":1}` are JSON; anything else is taken as the text it is. */
function parsedValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const short = (value: unknown) => {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      overwrite: { type: 'boolean', default: false },
      tag: { type: 'string', multiple: true },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, name, value] = positionals;
  const variables = connect(values).variables;
  const needName = () => {
    if (!name) throw new UsageError(`edgeflow variable ${action} needs a name.\n\n${USAGE}`);
    return name;
  };
  switch (action) {
    case 'get':
      console.log(JSON.stringify((await variables.read(needName())).value));
      return 0;
    case 'set': {
      const variableName = needName();
      if (value === undefined) throw new UsageError(`edgeflow variable set needs a value.\n\n${USAGE}`);
      const body = { value: parsedValue(value), ...(values.tag ? { tags: values.tag } : {}) };
      if (values.overwrite) {
        try {
          await variables.update(variableName, body);
          console.log(`updated variable ${variableName}`);
          return 0;
        } catch (error) {
          if ((error as { status?: number }).status !== 404) throw error;
        }
      }
      await variables.create({ name: variableName, ...body });
      console.log(`created variable ${variableName}`);
      return 0;
    }
    case 'ls': {
      const rows = (await variables.list()).map((variable) => [
        variable.name,
        short(variable.value),
        variable.tags.join(',') || '-',
        dateTime(variable.updated),
      ]);
      console.log(table(['NAME', 'VALUE', 'TAGS', 'UPDATED'], rows));
      return 0;
    }
    case 'unset':
      await variables.remove(needName());
      console.log(`deleted variable ${name}`);
      return 0;
    default:
      throw new UsageError(USAGE);
  }
}

export const variableCommand: Command = {
  name: 'variable',
  summary: 'get, set, list and unset variables',
  usage: USAGE,
  run,
};
