// `getRunLogger()`: log lines that land on the flow run's log stream when inside a run.
import { currentRun } from './context.ts';

/** Python logging levels, as Prefect stores them. */
export const LOG_LEVELS = { debug: 10, info: 20, warning: 30, error: 40, critical: 50 } as const;
export type LogLevelName = keyof typeof LOG_LEVELS;

export type RunLogger = Record<LogLevelName, (message: string) => void>;

function format(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.stack ?? message.message;
  try {
    return JSON.stringify(message);
  } catch {
    return String(message);
  }
}

/**
 * A logger for the current flow run (and task run, inside a task: its records carry the task run id).
 * Inside a run its records go to the run's logs (the agent ships them); outside any run they are
 * printed, so the same code runs as a plain script.
 */
export function getRunLogger(name?: string): RunLogger {
  const emit = (levelName: LogLevelName) => (message: string) => {
    const run = currentRun();
    const record = {
      name: name ?? (run?.taskRun ? 'edgeflow.task_runs' : 'edgeflow.flow_runs'),
      level: LOG_LEVELS[levelName],
      message: format(message),
      timestamp: new Date().toISOString(),
      ...(run?.taskRun ? { task_run_id: run.taskRun.id } : {}),
    };
    if (run) run.log(record);
    else
      (record.level >= LOG_LEVELS.warning ? console.error : console.log)(
        `${levelName.toUpperCase()} ${record.name}: ${record.message}`,
      );
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warning: emit('warning'),
    error: emit('error'),
    critical: emit('critical'),
  };
}
