// The dashboard's decisions: what the runs page filters, the run graph's layout, the Run form's fields,
// the overview's chart buckets, and which actions a run offers.

export * from './automations-view';
export * from './block-form';
export * from './events-query';
export * from './parameter-form';
export * from './run-actions';
export * from './run-graph';
export * from './run-history';
export * from './runs-query';
