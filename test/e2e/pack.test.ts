// The `edgeflow` package as users get it (docs/agent.md, "The package as installed"). `npm pack` the built package, install the
// tarball into a fresh project (offline, with zod packed from the workspace), and run a TypeScript
// flow that imports `edgeflow` through an agent started from the installed `edgeflow` bin.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEV_KEY,
  type LocalServer,
  ProcessGroup,
  ROOT,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';

const FLOW = `
import { flow, getRunLogger } from 'edgeflow';

export const packed = flow(async ({ name }: { name: string }): Promise<string> => {
  getRunLogger().info(\`hello from the installed package, \${name}\`);
  return \`packed \${name}\`;
}, { name: 'packed' });
`;

interface PackedFile {
  path: string;
}

let server: LocalServer;
let project: ReturnType<typeof tempProject>;
let packDir: string;
let packedFiles: string[];
let agent: ProcessGroup | undefined;

/** npm with a cache folder of its own, empty at first, so a warm cache on this machine can't hide a fetch. */
function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      npm_config_cache: join(packDir, 'npm-cache'),
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
    },
  });
}

beforeAll(async () => {
  packDir = mkdtempSync(join(tmpdir(), 'edgeflow-pack-'));
  [server, project] = await Promise.all([
    startServer(),
    tempProject({
      'package.json': JSON.stringify({ name: 'packed-project', private: true, type: 'module' }),
      'flows/packed.ts': FLOW,
    }),
  ]);
  const [packed] = JSON.parse(
    npm(['pack', '--json', '--pack-destination', packDir], join(ROOT, 'worker-agent')),
  ) as { filename: string; files: PackedFile[] }[];
  packedFiles = packed!.files.map((file) => file.path);
  // Offline and with a cold npm cache: `npm ci` never stores zod's registry metadata, so `--offline`
  // alone can't resolve `zod@^4`. The workspace's own zod, packed beside the tarball, satisfies it.
  const [zod] = JSON.parse(
    npm(['pack', '--json', '--pack-destination', packDir], join(ROOT, 'node_modules/zod')),
  ) as { filename: string }[];
  npm(
    [
      'install',
      '--offline',
      '--no-package-lock',
      '--no-audit',
      join(packDir, packed!.filename),
      join(packDir, zod!.filename),
    ],
    project.dir,
  );
}, 180_000);

afterAll(async () => {
  await agent?.stop('SIGTERM', 5_000);
  await server?.stop();
  project?.remove();
  if (packDir) rmSync(packDir, { recursive: true, force: true });
});

describe('the packed edgeflow package', () => {
  it('ships built JavaScript with declarations and the CLI, and no TypeScript source', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/protocol/index.js',
        'dist/protocol/index.d.ts',
        'dist/cli/main.js',
        'dist/agent/child-main.js',
      ]),
    );
    expect(
      packedFiles.filter(
        (path) => !path.startsWith('dist/') && !['package.json', 'bin/edgeflow.js'].includes(path),
      ),
    ).toEqual([]);
    expect(packedFiles.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('runs a TypeScript flow importing edgeflow through an agent started from its bin', async () => {
    const bin = join(project.dir, 'node_modules/.bin/edgeflow');
    expect(existsSync(bin)).toBe(true);
    // The bin's `#!/usr/bin/env node` must find this Node (22), not an older one earlier on PATH.
    const path = [dirname(process.execPath), process.env.PATH].join(delimiter);
    agent = new ProcessGroup(bin, ['agent', '--pool', 'packed', '--api', server.url, '--key', DEV_KEY], {
      cwd: project.dir,
      env: { ...process.env, PATH: path },
    });
    await agent.waitForOutput(/polling pool/);

    const flow = await server.client.createFlow({ name: 'packed' });
    const run = await server.client.createFlowRun({
      flow_id: flow.id,
      work_pool_name: 'packed',
      entrypoint: 'flows/packed.ts:packed',
      parameters: { name: 'tarball' },
    });
    const done = await waitUntil(
      () => server.client.readFlowRun(run.id),
      (current) => ['COMPLETED', 'FAILED', 'CRASHED'].includes(current.state_type ?? ''),
      30_000,
      'the run to finish',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nagent output:\n${agent?.output}`);
    });
    expect(done.state_type).toBe('COMPLETED');
    expect(done.state?.data).toBe('packed tarball');
    const logs = await waitUntil(
      () => server.client.filterLogs({ logs: { flow_run_id: { any_: [run.id] } } }),
      (found) => found.some((log) => log.message === 'hello from the installed package, tarball'),
      10_000,
      'the run logger line',
    );
    expect(logs.length).toBeGreaterThan(0);
  });
});
