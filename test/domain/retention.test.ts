// Retention's decisions (docs/retention.md): settings, classes, which trees may go, which results a run owns.
import { describe, expect, it } from 'vitest';
import {
  deleteFilterProblem,
  ownedResultKeys,
  retentionSettings,
  runRetentionClasses,
  treeIsDeletable,
} from '../../src/domain/retention';

const NOW = new Date('2026-06-15T00:00:00.000Z');

describe('retention settings', () => {
  it('are 30 days unless set to a positive number of days', () => {
    expect(retentionSettings({})).toEqual({ runs: 30, logs: 30, artifacts: 30, results: 30 });
    expect(
      retentionSettings({
        EDGEFLOW_RUNS_RETENTION_DAYS: '90',
        EDGEFLOW_LOGS_RETENTION_DAYS: '0',
        EDGEFLOW_ARTIFACTS_RETENTION_DAYS: 'soon',
      }),
    ).toEqual({ runs: 90, logs: 30, artifacts: 30, results: 30 });
  });

  it('make one class for the server setting and one per distinct deployment override', () => {
    const classes = runRetentionClasses(NOW, retentionSettings({}), [60, 10, 60]);
    expect(classes.map((c) => [c.deploymentDays, c.cutoff.toISOString()])).toEqual([
      [null, '2026-05-16T00:00:00.000Z'],
      [10, '2026-06-05T00:00:00.000Z'],
      [60, '2026-04-16T00:00:00.000Z'],
    ]);
  });
});

describe('a run tree', () => {
  it('may go only when the run and every subflow run below it are final', () => {
    expect(
      treeIsDeletable([
        { id: 'p', state_type: 'COMPLETED' },
        { id: 'c', state_type: 'FAILED' },
      ]),
    ).toBe(true);
    expect(
      treeIsDeletable([
        { id: 'p', state_type: 'COMPLETED' },
        { id: 'c', state_type: 'RUNNING' },
      ]),
    ).toBe(false);
    expect(treeIsDeletable([{ id: 'p', state_type: 'SCHEDULED' }])).toBe(false);
    expect(treeIsDeletable([])).toBe(false);
  });
});

describe("a run's results", () => {
  it('are the result records its own states point at, not those it took from the cache', () => {
    const record = (key: string) => ({ storage_key: key, serializer: 'json' });
    expect(
      ownedResultKeys([
        { name: 'Completed', data: record('task-runs/a') },
        { name: 'Cached', data: record('task-runs/other-run') },
        { name: 'Completed', data: { storage_key: 'x', serializer: 'json', storage_block_id: 'elsewhere' } },
        { name: 'Completed', data: 'task-runs/not-a-record' },
        { name: 'Completed', data: record('task-runs/a') },
      ]),
    ).toEqual(['task-runs/a']);
  });
});

describe('a delete by hand', () => {
  it('needs at least one condition besides an operator', () => {
    expect(deleteFilterProblem({})).toMatch(/every run/);
    expect(deleteFilterProblem({ flow_runs: { operator: 'and_' } })).toMatch(/every run/);
    expect(deleteFilterProblem({ flows: { name: { any_: ['etl'] } } })).toBeNull();
  });
});
