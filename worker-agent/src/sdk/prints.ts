// `logPrints`: console output inside a run that asks for it becomes that run's logs (task_run_id and all).
import { currentRun } from './context.ts';
import { LOG_LEVELS } from './logger.ts';

// An ES module import of node:util would read all its exports, lazy ones included (~9 ms per process).
const { format } = process.getBuiltinModule('node:util');
const INSTALLED = Symbol.for('edgeflow.console-capture');
const METHODS = {
  log: LOG_LEVELS.info,
  info: LOG_LEVELS.info,
  debug: LOG_LEVELS.debug,
  warn: LOG_LEVELS.warning,
  error: LOG_LEVELS.error,
} as const;

/** Wraps the console once per process (any SDK copy); outside such runs it prints as before. */
export function captureConsole(): void {
  const holder = globalThis as unknown as Record<symbol, boolean | undefined>;
  if (holder[INSTALLED]) return;
  holder[INSTALLED] = true;
  for (const [method, level] of Object.entries(METHODS)) {
    const key = method as keyof typeof METHODS;
    const original = console[key].bind(console);
    console[key] = (...args: unknown[]) => {
      const run = currentRun();
      const enabled = run?.taskRun ? run.taskRun.logPrints : run?.logPrints;
      if (!run || !enabled) return original(...args);
      run.log({
        name: run.taskRun ? 'edgeflow.task_runs' : 'edgeflow.flow_runs',
        level,
        message: format(...args),
        timestamp: new Date().toISOString(),
        task_run_id: run.taskRun?.id ?? null,
      });
    };
  }
}
