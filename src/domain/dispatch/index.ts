// Work-pool dispatch decisions, pure: what to queue, what to hand out, when leases lapse, when runs are Late.
export * from './claims';
export * from './config';
export * from './leases';
export * from './runs';
export * from './selection';
export * from './timing';
export * from './views';
