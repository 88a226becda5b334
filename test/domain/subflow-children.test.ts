// Which state a subflow run gets when its parent crashes or is cancelled (subflow-children.ts).
import { describe, expect, it } from 'vitest';
import { childProposal, parentEndOf } from '../../src/domain/orchestration';

const inline = (state_type: 'RUNNING' | 'CANCELLING' | 'COMPLETED') => ({ state_type, deployment_id: null });
const viaDeployment = (state_type: 'RUNNING' | 'SCHEDULED' | 'CANCELLING') => ({
  state_type,
  deployment_id: 'd1',
});

describe('childProposal', () => {
  it('crashes inline children with a crashed parent, and leaves deployment children running', () => {
    expect(childProposal('CRASHED', inline('RUNNING'))?.type).toBe('CRASHED');
    expect(childProposal('CRASHED', viaDeployment('RUNNING'))).toBeNull();
  });

  it('asks every child to cancel while the parent is cancelling, and does not ask twice', () => {
    expect(childProposal('CANCELLING', inline('RUNNING'))?.type).toBe('CANCELLING');
    expect(childProposal('CANCELLING', viaDeployment('SCHEDULED'))?.type).toBe('CANCELLING');
    expect(childProposal('CANCELLING', viaDeployment('CANCELLING'))).toBeNull();
  });

  it('cancels inline children outright once the parent is cancelled; deployment ones go through their agent', () => {
    expect(childProposal('CANCELLED', inline('CANCELLING'))?.type).toBe('CANCELLED');
    expect(childProposal('CANCELLED', viaDeployment('RUNNING'))?.type).toBe('CANCELLING');
  });

  it('leaves finished children alone', () => {
    expect(childProposal('CRASHED', inline('COMPLETED'))).toBeNull();
    expect(childProposal('CANCELLED', inline('COMPLETED'))).toBeNull();
  });

  it('follows only crashes and cancellations', () => {
    expect(
      ['CRASHED', 'CANCELLING', 'CANCELLED', 'FAILED', 'COMPLETED', 'PAUSED'].map((t) =>
        parentEndOf(t as never),
      ),
    ).toEqual(['CRASHED', 'CANCELLING', 'CANCELLED', null, null, null]);
  });
});
