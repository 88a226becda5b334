// The run graph: edges from task inputs and wait_for, a mapped task's runs grouped unless expanded,
// columns by dependency depth, and a layout that stays linear at 10,000 task runs (docs/dashboard.md).
import { describe, expect, it } from 'vitest';
import { type GraphTask, layOutRunGraph, upstreamOf } from '../../src/domain/dashboard';

function task(id: string, upstream: string[] = [], extra: Partial<GraphTask> = {}): GraphTask {
  return {
    id,
    name: `${id}-0`,
    task_key: id,
    state_type: 'COMPLETED',
    start_time: null,
    end_time: null,
    upstream,
    ...extra,
  };
}

/** A map: `count` runs of `key`, each fed by `from`. */
function mapped(key: string, count: number, from: string[], state: GraphTask['state_type'] = 'COMPLETED') {
  return Array.from({ length: count }, (_, i) => ({
    ...task(`${key}-${i}`, from),
    name: `${key}-${i}`,
    task_key: key,
    state_type: state,
  }));
}

const none = { expanded: new Set<string>() };

describe('upstreamOf', () => {
  it("takes every task run a task's inputs and wait_for name, once each, and ignores parameters and constants", () => {
    expect(
      upstreamOf({
        x: [{ input_type: 'task_run', id: 'a' }],
        y: [{ input_type: 'parameter', id: 'p' }, { input_type: 'constant' }],
        wait_for: [
          { input_type: 'task_run', id: 'b' },
          { input_type: 'task_run', id: 'a' },
        ],
      }),
    ).toEqual(['a', 'b']);
  });
});

describe('layOutRunGraph', () => {
  it('puts each task one column after the deepest task it depends on', () => {
    const graph = layOutRunGraph([task('a'), task('b', ['a']), task('c', ['a', 'b']), task('d')], none);
    expect(graph.nodes.map((node) => [node.key, node.layer])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['d', 0],
    ]);
    expect(graph.edges).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    expect(graph.layers).toBe(3);
    expect(graph.rows).toBe(2);
  });

  it("groups a mapped task's runs into one node, with their states counted and the most telling one shown", () => {
    const runs = [
      task('seed'),
      ...mapped('double', 3, ['seed']),
      { ...mapped('double', 4, ['seed'])[3]!, state_type: 'FAILED' as const },
      task('total', ['double-0', 'double-1', 'double-2', 'double-3']),
    ];
    const graph = layOutRunGraph(runs, none);
    expect(graph.nodes.map((node) => [node.key, node.count, node.state])).toEqual([
      ['seed', 1, 'COMPLETED'],
      ['group:double', 4, 'FAILED'],
      ['total', 1, 'COMPLETED'],
    ]);
    expect(graph.nodes[1]!.states).toEqual({ COMPLETED: 3, FAILED: 1 });
    expect(graph.edges).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(graph.groups).toEqual([{ task_key: 'double', label: 'double', count: 4, expanded: false }]);
  });

  it('draws an expanded group as its runs, each in its own row beside what fed it', () => {
    const runs = [
      task('seed'),
      ...mapped('double', 3, ['seed']),
      task('total', ['double-0', 'double-1', 'double-2']),
    ];
    const graph = layOutRunGraph(runs, { expanded: new Set(['double']) });
    expect(graph.nodes).toHaveLength(5);
    expect(
      graph.nodes.filter((node) => node.layer === 1).map((node) => [node.key, node.row, node.group]),
    ).toEqual([
      ['double-0', 0, 'double'],
      ['double-1', 1, 'double'],
      ['double-2', 2, 'double'],
    ]);
    expect(graph.groups[0]!.expanded).toBe(true);
    expect(graph.rows).toBe(3);
  });

  it('does not group runs of one task that feed each other: a chain is drawn as a chain', () => {
    const chain = [
      { ...task('step-0'), task_key: 'step' },
      { ...task('step-1', ['step-0']), task_key: 'step' },
      { ...task('step-2', ['step-1']), task_key: 'step' },
    ];
    const graph = layOutRunGraph(chain, none);
    expect(graph.nodes.map((node) => [node.key, node.layer])).toEqual([
      ['step-0', 0],
      ['step-1', 1],
      ['step-2', 2],
    ]);
    expect(graph.groups).toEqual([]);
  });

  it('spans a group from its first start to its last end, for the timeline', () => {
    const runs = mapped('double', 3, []).map((run, i) => ({
      ...run,
      start_time: `2026-01-01T00:00:0${i}Z`,
      end_time: `2026-01-01T00:00:1${2 - i}Z`,
    }));
    const [node] = layOutRunGraph(runs, none).nodes;
    expect([node!.start, node!.end]).toEqual(['2026-01-01T00:00:00Z', '2026-01-01T00:00:12Z']);
  });

  it('ignores links to task runs the run does not have, and places a cycle past the rest instead of looping', () => {
    const graph = layOutRunGraph([task('a', ['missing']), task('b', ['c']), task('c', ['b'])], none);
    expect(graph.nodes.map((node) => [node.key, node.layer])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 1],
    ]);
  });

  it('lays out 10,000 task runs expanded: every run a node, every link an edge', () => {
    const runs = [task('seed'), ...mapped('double', 9_998, ['seed']), task('total', [])];
    runs[runs.length - 1]!.upstream = runs.slice(1, -1).map((run) => run.id);
    const graph = layOutRunGraph(runs, { expanded: new Set(['double']) });
    expect(graph.nodes).toHaveLength(10_000);
    expect(graph.layers).toBe(3);
    expect(graph.rows).toBe(9_998);
    expect(graph.edges).toHaveLength(9_998 * 2);
  });
});
