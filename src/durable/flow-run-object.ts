// One Durable Object per flow run: the single writer of the run's state, history and task runs.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

export class FlowRunObject extends DurableObject<Env> {}
