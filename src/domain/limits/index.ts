// Named concurrency and rate limits: slot arithmetic and request rules (docs/concurrency.md).
export * from './counters';
export * from './lease-logs';
export * from './requests';
