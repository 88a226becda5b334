// The `edgeflow` package: SDK entry point.
export * from './protocol/index.ts';
