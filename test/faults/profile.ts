// How much each scenario does: FAULTS_PROFILE=short for CI (a few minutes), the full profile by default.

export type ProfileName = 'short' | 'full';

export interface Profile {
  name: ProfileName;
  /**
   * Generated fuzz cases to send; each refused one is sent again between snapshots, and the probe
   * replay and the final deletes come on top, so the requests number about 1.8 times this (the full
   * profile: ~10,800, for the 10,000 it must send).
   */
  fuzzCases: number;
  /** Routes that get the 5 MB and 20 MB bodies (0: every route with a body). */
  hugeBodyRoutes: number;
  /** Server hangs tolerated before requests of the same kind are skipped (each costs a restart). */
  hangBudget: number;
  agentKills: number;
  serverRestarts: number;
  raceAgents: number;
  raceRuns: number;
  proxyRuns: number;
}

export const PROFILES: Record<ProfileName, Profile> = {
  short: {
    name: 'short',
    fuzzCases: 600,
    hugeBodyRoutes: 2,
    hangBudget: 1,
    agentKills: 5,
    serverRestarts: 2,
    raceAgents: 5,
    raceRuns: 40,
    proxyRuns: 30,
  },
  full: {
    name: 'full',
    fuzzCases: 6_000,
    hugeBodyRoutes: 0,
    hangBudget: 3,
    agentKills: 100,
    serverRestarts: 6,
    raceAgents: 5,
    raceRuns: 2_000,
    proxyRuns: 150,
  },
};

export const PROFILE: Profile = PROFILES[process.env.FAULTS_PROFILE === 'short' ? 'short' : 'full'];

/**
 * Seeded so a finding can be replayed: FAULTS_SEED=<the printed seed>. The global setup picks one
 * when none is given, and every test file reads it from the environment.
 */
export const SEED = Number(process.env.FAULTS_SEED ?? 0);

export function chooseSeed(): void {
  process.env.FAULTS_SEED ??= String(Math.floor(Math.random() * 2 ** 31));
}

/** mulberry32: a small deterministic generator, enough to pick cases and fault points. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
