// A run's task runs as a graph: dependencies from task inputs and wait_for, a mapped task's runs
// grouped into one node unless expanded, and a layered layout (columns by dependency depth, rows
// ordered to keep edges short) that a canvas draws as is. Linear in tasks and edges.
import type { StateType } from 'edgeflow/protocol';

export interface GraphTask {
  id: string;
  name: string;
  task_key: string;
  state_type: StateType | null;
  start_time: string | null;
  end_time: string | null;
  /** Task runs this one took inputs from or waited for. */
  upstream: readonly string[];
}

export interface GraphNode {
  /** The task run's id, or `group:<task_key>` for a collapsed group. */
  key: string;
  label: string;
  /** A group's state is its most telling member's (see `GROUP_STATE_ORDER`). */
  state: StateType | null;
  /** How many task runs the node stands for (1 unless a group). */
  count: number;
  /** Members per state, for a group's tooltip and bar. */
  states: Partial<Record<StateType, number>>;
  /** The task key of a mapped task's runs (grouped or expanded), else null. */
  group: string | null;
  /** Earliest start and latest end among its runs (ISO), for the timeline. */
  start: string | null;
  end: string | null;
  layer: number;
  row: number;
}

export interface RunGraph {
  nodes: GraphNode[];
  /** Pairs of indexes into `nodes`: upstream first. */
  edges: [number, number][];
  layers: number;
  /** The most rows any layer has. */
  rows: number;
  /** Every mapped task in the run, collapsed or not. */
  groups: { task_key: string; label: string; count: number; expanded: boolean }[];
}

/** Which state a group shows: trouble first, then work in progress, then how it ended. */
export const GROUP_STATE_ORDER: readonly StateType[] = [
  'FAILED',
  'CRASHED',
  'CANCELLING',
  'RUNNING',
  'PAUSED',
  'PENDING',
  'SCHEDULED',
  'CANCELLED',
  'COMPLETED',
];

/**
 * Task keys run more than once with no run depending on another of the same key: a map (or a task
 * called in a loop over independent inputs). A key whose runs feed each other is a chain, drawn as is.
 */
function mappedKeys(tasks: readonly GraphTask[]): Set<string> {
  const keyOf = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const task of tasks) {
    keyOf.set(task.id, task.task_key);
    counts.set(task.task_key, (counts.get(task.task_key) ?? 0) + 1);
  }
  const chained = new Set<string>();
  for (const task of tasks) {
    for (const id of task.upstream) if (keyOf.get(id) === task.task_key) chained.add(task.task_key);
  }
  return new Set([...counts].filter(([key, n]) => n > 1 && !chained.has(key)).map(([key]) => key));
}

function groupLabel(task: GraphTask): string {
  // Runs are named `<task>-<n>`; the group is the task.
  return task.name.replace(/-\d+$/, '') || task.task_key;
}

const earlier = (a: string | null, b: string | null) => (a === null ? b : b === null || a <= b ? a : b);
const later = (a: string | null, b: string | null) => (a === null ? b : b === null || a >= b ? a : b);

export function layOutRunGraph(
  tasks: readonly GraphTask[],
  options: { expanded: ReadonlySet<string> },
): RunGraph {
  const mapped = mappedKeys(tasks);
  const nodes: GraphNode[] = [];
  const nodeOfKey = new Map<string, number>();
  const nodeOfTask = new Map<string, number>();
  const groups = new Map<string, RunGraph['groups'][number]>();

  for (const task of tasks) {
    const isMapped = mapped.has(task.task_key);
    const collapsed = isMapped && !options.expanded.has(task.task_key);
    if (isMapped && !groups.has(task.task_key)) {
      groups.set(task.task_key, {
        task_key: task.task_key,
        label: groupLabel(task),
        count: 0,
        expanded: !collapsed,
      });
    }
    if (isMapped) groups.get(task.task_key)!.count++;
    const key = collapsed ? `group:${task.task_key}` : task.id;
    let index = nodeOfKey.get(key);
    if (index === undefined) {
      index = nodes.length;
      nodeOfKey.set(key, index);
      nodes.push({
        key,
        label: collapsed ? groupLabel(task) : task.name,
        state: null,
        count: 0,
        states: {},
        group: isMapped ? task.task_key : null,
        start: null,
        end: null,
        layer: 0,
        row: 0,
      });
    }
    const node = nodes[index]!;
    node.count++;
    if (task.state_type) node.states[task.state_type] = (node.states[task.state_type] ?? 0) + 1;
    node.start = earlier(node.start, task.start_time);
    node.end = later(node.end, task.end_time);
    nodeOfTask.set(task.id, index);
  }
  for (const node of nodes) {
    node.state = GROUP_STATE_ORDER.find((state) => node.states[state]) ?? null;
  }

  const edges = nodeEdges(tasks, nodeOfTask);
  const layers = assignLayers(nodes, edges);
  const rows = orderRows(nodes, edges, layers);
  return { nodes, edges, layers, rows, groups: [...groups.values()] };
}

/** Node-level edges, each once, without self-loops or links to task runs the run doesn't have. */
function nodeEdges(tasks: readonly GraphTask[], nodeOfTask: Map<string, number>): [number, number][] {
  const seen = new Set<number>();
  const edges: [number, number][] = [];
  const width = nodeOfTask.size + 1;
  for (const task of tasks) {
    const to = nodeOfTask.get(task.id)!;
    for (const id of task.upstream) {
      const from = nodeOfTask.get(id);
      if (from === undefined || from === to) continue;
      const pair = from * width + to;
      if (seen.has(pair)) continue;
      seen.add(pair);
      edges.push([from, to]);
    }
  }
  return edges;
}

/** Longest path from a source (Kahn's order); nodes left in a cycle go one layer past the rest. */
function assignLayers(nodes: GraphNode[], edges: [number, number][]): number {
  const outgoing: number[][] = nodes.map(() => []);
  const waiting = new Array<number>(nodes.length).fill(0);
  for (const [from, to] of edges) {
    outgoing[from]!.push(to);
    waiting[to]!++;
  }
  const ready: number[] = [];
  for (let i = 0; i < nodes.length; i++) if (waiting[i] === 0) ready.push(i);
  let placed = 0;
  let deepest = 0;
  for (let head = 0; head < ready.length; head++) {
    const index = ready[head]!;
    placed++;
    const layer = nodes[index]!.layer;
    deepest = Math.max(deepest, layer);
    for (const next of outgoing[index]!) {
      nodes[next]!.layer = Math.max(nodes[next]!.layer, layer + 1);
      if (--waiting[next]! === 0) ready.push(next);
    }
  }
  if (placed < nodes.length) {
    deepest++;
    for (let i = 0; i < nodes.length; i++) if (waiting[i]! > 0) nodes[i]!.layer = deepest;
  }
  return nodes.length === 0 ? 0 : deepest + 1;
}

/**
 * Rows within each layer: by the mean row of a node's upstream nodes (one sweep, left to right),
 * ties in creation order, so a task sits beside what fed it. Returns the tallest layer's size.
 */
function orderRows(nodes: GraphNode[], edges: [number, number][], layers: number): number {
  const upstream: number[][] = nodes.map(() => []);
  for (const [from, to] of edges) upstream[to]!.push(from);
  const byLayer: number[][] = Array.from({ length: layers }, () => []);
  for (let i = 0; i < nodes.length; i++) byLayer[nodes[i]!.layer]!.push(i);
  let tallest = 0;
  const weight = new Float64Array(nodes.length);
  for (const members of byLayer) {
    for (const index of members) {
      const feeds = upstream[index]!;
      let sum = 0;
      for (const feed of feeds) sum += nodes[feed]!.row;
      weight[index] = feeds.length === 0 ? index : sum / feeds.length;
    }
    members.sort((a, b) => weight[a]! - weight[b]! || a - b);
    members.forEach((index, row) => {
      nodes[index]!.row = row;
    });
    tallest = Math.max(tallest, members.length);
  }
  return tallest;
}

/** A task run's upstream ids from its `task_inputs` (each parameter's task runs, and `wait_for`). */
export function upstreamOf(
  taskInputs: Record<string, readonly { input_type: string; id?: string }[]>,
): string[] {
  const ids = new Set<string>();
  for (const inputs of Object.values(taskInputs)) {
    for (const input of inputs) if (input.input_type === 'task_run' && input.id) ids.add(input.id);
  }
  return [...ids];
}
