// docs/reliability.md: what the fuzz and fault suite does, and the results of its last full run.
import { PROFILES } from './profile.ts';
import { formatFindings, formatNotes, formatTable, type ScenarioRow } from './table.ts';

const ABOUT = `# Reliability: the fuzz and fault suite

\`npm run test:faults\` runs the full profile against the real local server (\`scripts/server.mjs\`) and
real \`edgeflow agent\` processes, started through \`test/e2e/harness.ts\`, and prints one row per scenario.
\`.ci/run\` runs the short profile (\`FAULTS_PROFILE=short\`) after \`npm test\`. A full run rewrites this file;
\`FAULTS_SEED=<seed>\` replays the fuzz's choices. Code: \`test/faults/\`, config \`vitest.faults.config.ts\`.

## Scenarios

- **fuzz**: every route of \`/api/openapi.json\` (plus the result routes the document leaves out). First the
  requests an earlier probe found wrong, replayed in order on objects of their own; then a valid request
  per route; then generated cases, each the valid request broken one way: wrong types, missing fields,
  nulls, huge and out-of-range numbers (\`1e400\`, \`-0\`, 30 digits), unicode and lone surrogates, NULs,
  JSON 65 / 1,000 / 100,000 levels deep, strings of 49 to 100,000 characters in every field and every
  filter operator, bad path and query parameters (\`%ZZ\`, encoded NUL, overlong UTF-8, 10,000
  characters), 5 and 20 MB bodies, duplicate keys, a \`__proto__\` key, malformed JSON and wrong
  content types, schedules that take unbounded work to plan. Each refused request is sent again in a
  batch of refused requests between two snapshots of everything the API shows (flows, runs and their
  states, task runs, deployments and schedules, pools and queues, logs, API keys, webhooks,
  automations); a change
  is narrowed down to the request that makes it. Accepted creates are read back by the name they were
  sent with, then deleted. /api/health is probed every 200 ms: a request during which it waited more
  than a second is replayed twice alone, and counts when both replays stall it too; a request after
  which the server answers nothing is a hang (the server is restarted to go on; after 3 hangs, 5 in
  the full profile, the rest is skipped, and each finding is printed as it is found). Last, a valid DELETE
  per route: gone when it says so, untouched when it refuses.
- **auth**: every route with each of 17 bad credentials (401 expected), and with a read, an agent and
  an admin key (403 below the route's scope, never 401/403 at or above it); the refused requests
  between two snapshots. Each route must declare its scope in the OpenAPI document, as
  \`x-edgeflow-scope\` or in \`security: [{bearer: ['<scope>']}]\`. Webhooks: a call without the secret
  answers alike for known and unknown slugs, and a captured signed call replayed creates no run.
- **agent kills**: agents SIGKILLed at a random point of their life (claiming, starting a flow, mid-task,
  reporting), one after another, while runs keep coming; a last agent drains the pool.
- **server restarts**: the server SIGKILLed and restarted on the same state, alternately mid-run and
  mid-claim (the agents idle in a long-poll claim), with two agents running throughout.
- **race**: five agents on one pool, the runs created 25 at a time.
- **proxy**: two agents, and the flow processes they start, reach the server through a TCP proxy that
  resets 5% of new connections, delays 20% of chunks up to 400 ms, and cuts 3% of chunks half-way
  (requests and answers), then drains with the proxy passing everything.

The fault scenarios run the \`work\` flow (\`test/faults/ledger.ts\`): each execution appends to a ledger
file when it starts and when its body ends, runs N tasks and sends M logs tagged with its lease. Runs
have 20 retries, so a fault costs a retry, never the run.

## What the columns count

- **4xx / 5xx**: answers; a request with no answer while /api/health still answers counts as 5xx.
- **partial writes**: a refused request (4xx or 5xx) after which the API shows something changed; a
  scheduled run turning Late on the pool's clock is not a change.
- **round-trip**: an accepted create that cannot be read back as sent (a name no URL can hold, or one
  stored differently).
- **busy > 1 s**: requests that kept /api/health waiting over a second, confirmed by replay, and hangs.
- **leaks**: a known secret (the admin key, created keys, webhook secrets) in any answer but the one
  that shows it once, or in the server's output; a stack trace or file path in an answer.
- **wrong access**: routes without a declared scope or declaring one the rule below contradicts, and
  credentials or scopes answered otherwise than expected.
- **runs lost**: runs not COMPLETED once drained (they have retries to spare), or COMPLETED with no
  execution that finished its body.
- **duplicate executions**: one lease executed twice; executions of a run overlapping; an execution
  after one that finished its body with no fault in between; an execution after the run was COMPLETED.
  Executions after one a fault cut short are re-runs, counted in the notes.
- **reports lost/dup**: a completed run whose task runs are not exactly its N COMPLETED ones, whose
  completing execution's M logs are not each there once, or whose COMPLETED state is recorded twice.

## Scopes nest: admin ⊃ agent ⊃ read

\`read\`: every GET and every filter and count. \`agent\` adds what an agent and the flows it runs need:
claim, release, heartbeat, creating its own pool, creating flows and runs (subflows, runDeployment),
state, task and log reports, results, run input, and later variables, events, artifacts and limit
leases. \`admin\` adds the rest: deleting or reconfiguring deployments, schedules, pools, queues, keys,
webhooks, automations and limits. \`GET /api/health\` and \`POST /api/webhooks/{slug}\` are public. The
auth scenario holds each route's declaration to this rule where it leaves no choice
(\`requiredByRule\` in \`test/faults/openapi.ts\`).

## Profiles

| | short (CI) | full |
|---|--:|--:|
| fuzz cases sent (refused ones sent again) | ${PROFILES.short.fuzzCases} | ${PROFILES.full.fuzzCases} |
| routes given 5 and 20 MB bodies | ${PROFILES.short.hugeBodyRoutes} | all |
| agent kills | ${PROFILES.short.agentKills} | ${PROFILES.full.agentKills} |
| server restarts | ${PROFILES.short.serverRestarts} | ${PROFILES.full.serverRestarts} |
| race: agents × runs | ${PROFILES.short.raceAgents} × ${PROFILES.short.raceRuns} | ${PROFILES.full.raceAgents} × ${PROFILES.full.raceRuns} |
| runs through the proxy | ${PROFILES.short.proxyRuns} | ${PROFILES.full.proxyRuns} |

The full profile's fuzz must send at least 10,000 requests.
`;

const KNOWN_FINDINGS = '## Known findings (open)';
const LAST_RUN = '## Last full run';

/** The hand-written "Known findings" section of the doc as it stands, kept across rewrites. */
export function knownFindingsOf(current: string): string {
  const start = current.indexOf(KNOWN_FINDINGS);
  const end = current.indexOf(LAST_RUN);
  if (start < 0 || end < start) return `${KNOWN_FINDINGS}\n\nNone open.\n`;
  return current.slice(start, end).trimEnd().concat('\n');
}

export function reliabilityDoc(
  rows: ScenarioRow[],
  run: { commit: string; minutes: number; seed: number },
  knownFindings: string,
): string {
  return [
    ABOUT,
    knownFindings,
    LAST_RUN,
    '',
    `${new Date().toISOString().slice(0, 10)}, commit ${run.commit}, ${run.minutes.toFixed(1)} min, seed ${run.seed}.`,
    '',
    formatTable(rows),
    '',
    '### Findings',
    '',
    formatFindings(rows, 1_000) || 'None.',
    '',
    '### Notes',
    '',
    formatNotes(rows, 1_000) || 'None.',
    '',
  ].join('\n');
}
