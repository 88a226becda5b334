import { describe, expect, it } from 'vitest';
import { resumeProposal } from '../../src/domain/orchestration';
import { flowRun, state } from './fixtures';

describe('resumeProposal', () => {
  it('aborts resuming a run that is not paused', () => {
    const run = flowRun({ state: state('RUNNING') });
    expect(resumeProposal(run)).toEqual({
      status: 'ABORT',
      state: run.state,
      details: { type: 'abort_details', reason: 'Cannot resume a flow run that is not paused.' },
    });
  });

  it('reschedules a suspended run as Resuming', () => {
    const run = flowRun({
      state: state('PAUSED', { name: 'Suspended', state_details: { pause_reschedule: true } }),
    });
    expect(resumeProposal(run)).toEqual({ type: 'SCHEDULED', name: 'Resuming' });
  });

  it('sends a paused run straight back to RUNNING', () => {
    expect(resumeProposal(flowRun({ state: state('PAUSED') }))).toEqual({ type: 'RUNNING' });
  });
});
