// `npm test`'s last step: the Prefect client suite (python/tests), real Prefect 2.15 flows run by the stock
// client against the local server (docs/prefect-compat.md). It needs Debian's python3 packages, which
// python/prefect-client/install.sh installs with apt; without them it says so and skips, passing.
//   PREFECT_SUITE_TARGETS   comma-separated servers to run the suite against: edgeflow (default), prefect
//                           (Prefect's own server, which proves the tests encode Prefect's behaviour)
// Each target writes test-results/pytest-<target>.xml (JUnit), which CI totals.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const envDir = join(root, '.prefect-env');
const python = join(envDir, 'bin', 'prefect-python');
const installer = join(root, 'python', 'prefect-client', 'install.sh');
const ENABLE = `To run it: sudo bash python/prefect-client/install.sh .prefect-env (Debian packages through apt, ~25 s), then npm test.`;

function skip(why) {
  console.log(`\nSkipped the Prefect client suite (python/tests): ${why}\n${ENABLE}\n`);
  process.exit(0);
}

/** Whether Debian's packages the client needs are importable by the system python3. */
function debianPackagesPresent() {
  const probe = spawnSync(
    '/usr/bin/python3',
    ['-c', 'import pydantic, httpx, pytest, sqlalchemy, uvicorn, pendulum'],
    {
      stdio: 'ignore',
    },
  );
  return probe.status === 0;
}

if (!existsSync('/usr/bin/python3')) skip('python3 is not installed.');
if (!debianPackagesPresent())
  skip("Debian's python3 packages for Prefect (and python3-pytest) are not installed.");
if (!existsSync(python)) {
  // The packages are there: laying out Prefect's sources from the tarball needs no root and no network.
  const laid = spawnSync('bash', [installer, envDir], {
    stdio: 'inherit',
    env: { ...process.env, SKIP_APT: '1' },
  });
  if (laid.status !== 0) skip(`${installer} failed to lay out Prefect in .prefect-env.`);
}

const targets = (process.env.PREFECT_SUITE_TARGETS ?? 'edgeflow')
  .split(',')
  .map((target) => target.trim())
  .filter(Boolean);
mkdirSync(join(root, 'test-results'), { recursive: true });
let failed = false;
for (const target of targets) {
  console.log(`\nPrefect client suite against ${target}:`);
  const run = spawnSync(
    python,
    [
      '-m',
      'pytest',
      join(root, 'python', 'tests'),
      '-p',
      'no:cacheprovider',
      '-q',
      `--junitxml=${join(root, 'test-results', `pytest-${target}.xml`)}`,
    ],
    {
      stdio: 'inherit',
      cwd: root,
      env: { ...process.env, PREFECT_SUITE_TARGET: target, PYTHONDONTWRITEBYTECODE: '1' },
    },
  );
  // pytest exits 5 when it collected nothing: for this suite that is a failure, never a pass.
  if (run.status === 5) console.error(`the Prefect client suite collected no tests against ${target}`);
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
