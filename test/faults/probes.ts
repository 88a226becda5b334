// The requests an earlier probe found wrong, replayed in order (one batch each), before the generated fuzz.
import type { Fixtures, FuzzCase, RequestSpec } from './generate.ts';
import { deepObject, HOSTILE_SCHEDULE_FIELDS } from './hostile.ts';
import type { Operation } from './openapi.ts';
import { fieldsOf, sample, toJson, uniqueName, withValue } from './schema-values.ts';

export interface ProbeTargets {
  /** The webhook's token, to reach past its auth. */
  webhookSecret: string;
  /** A deployment of its own for the schedule that takes unbounded work to plan. */
  bombDeploymentId: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function probe(
  method: string,
  path: string,
  what: string,
  build: (f: Fixtures) => Omit<RequestSpec, 'method' | 'headers'> & { headers?: Record<string, string> },
  tag?: FuzzCase['tag'],
): FuzzCase {
  return {
    operation: { method, path, params: [], declared: null },
    what,
    tag,
    build: (f) => {
      const built = build(f);
      return { method, headers: built.body === undefined ? {} : JSON_HEADERS, ...built, path: built.path };
    },
  };
}

export function issueProbes(operations: Operation[], targets: ProbeTargets): FuzzCase[] {
  const probes: FuzzCase[] = [];
  const find = (method: string, path: string) =>
    operations.find((operation) => operation.method === method && operation.path === path);

  // 5. A name with a lone surrogate: must be refused, or read back by that name.
  probes.push(
    probe('POST', '/api/work_pools', 'name "lone\\ud800pool"', () => ({
      path: '/api/work_pools',
      body: toJson({ name: 'lone\ud800pool' }),
    })),
  );

  // 3. like_ of 49 characters, in every filter and count that has one (with rows to match against).
  for (const operation of operations) {
    if (!operation.body || operation.method !== 'POST') continue;
    for (const field of fieldsOf(operation.body)) {
      if (field.path[field.path.length - 1] !== 'like_') continue;
      probes.push(
        probe('POST', operation.path, `body.${field.path.join('.')} = 49 chars`, (f) => ({
          path: operation.path,
          body: toJson(withValue(sample(operation.body!, f), field.path, 'a'.repeat(49))),
        })),
      );
    }
  }

  // 2. A run nested 1,000 levels deep, directly and through a webhook; then what it broke.
  probes.push(
    probe('POST', '/api/deployments/{id}/create_flow_run', 'parameters 1,000 levels deep', (f) => ({
      path: `/api/deployments/${f.deploymentId}/create_flow_run`,
      body: toJson({ parameters: { deep: deepObject(1_000) } }),
    })),
    probe('POST', '/api/webhooks/{slug}', 'a body 1,000 levels deep, with the webhook token', (f) => ({
      path: `/api/webhooks/${f.webhookSlug}`,
      headers: { ...JSON_HEADERS, authorization: `Bearer ${targets.webhookSecret}` },
      body: toJson({ deep: deepObject(1_000) }),
    })),
    probe('POST', '/api/work_pools/{name}/get_scheduled_flow_runs', 'the pool of the deep run', (f) => ({
      path: `/api/work_pools/${f.pool}/get_scheduled_flow_runs`,
      body: '{}',
    })),
    probe('PATCH', '/api/deployments/{id}', 'a new description, after the deep run', (f) => ({
      path: `/api/deployments/${f.deploymentId}`,
      body: toJson({ description: 'patched by the fuzz' }),
    })),
    probe(
      'PATCH',
      '/api/deployments/{id}/schedules/{schedule_id}',
      'active false, after the deep run',
      (f) => ({
        path: `/api/deployments/${f.deploymentId}/schedules/${f.scheduleId}`,
        body: toJson({ active: false }),
      }),
    ),
    probe('POST', '/api/deployments/{id}/pause_deployment', 'after the deep run', (f) => ({
      path: `/api/deployments/${f.deploymentId}/pause_deployment`,
    })),
    probe('POST', '/api/deployments/{id}/resume_deployment', 'after the deep run', (f) => ({
      path: `/api/deployments/${f.deploymentId}/resume_deployment`,
    })),
    probe('DELETE', '/api/deployments/{id}', 'after the deep run', (f) => ({
      path: `/api/deployments/${f.deploymentId}`,
    })),
  );

  // 4. A deployment refused with 422 must not leave its new flow behind, alone or in bulk.
  const refusedDeployment = () => ({
    name: uniqueName('fz-refused'),
    flow_name: uniqueName('fz-orphan-flow'),
    schedules: [{ schedule: { cron: 'not a cron at all' } }],
  });
  probes.push(
    probe('POST', '/api/deployments', 'a new flow_name and an invalid cron', () => ({
      path: '/api/deployments',
      body: toJson(refusedDeployment()),
    })),
  );
  if (find('POST', '/api/deployments/bulk')) {
    probes.push(
      probe('POST', '/api/deployments/bulk', 'a new flow_name and an invalid cron', () => ({
        path: '/api/deployments/bulk',
        body: toJson({ deployments: [refusedDeployment()] }),
      })),
    );
  }

  // 6. 100,000 levels deep where the request reaches the run's object; a bad escape in a result key.
  probes.push(
    probe('POST', '/api/flow_runs', 'parameters 100,000 levels deep', (f) => ({
      path: '/api/flow_runs',
      body: toJson({ flow_id: f.flowId, parameters: { deep: deepObject(100_000) } }),
    })),
    probe('PUT', '/api/results/{key}', 'key %ZZ', () => ({ path: '/api/results/%ZZ', body: '{}' })),
  );

  // 1. A schedule that takes unbounded work to plan: refused at write time, or planned within a bound.
  const bomb = HOSTILE_SCHEDULE_FIELDS.rrule![0]!;
  probes.push(
    probe(
      'POST',
      '/api/deployments/{id}/schedules',
      `rrule ${bomb.label}`,
      () => ({
        path: `/api/deployments/${targets.bombDeploymentId}/schedules`,
        body: toJson([{ schedule: { rrule: bomb.value } }]),
      }),
      'schedule-bomb',
    ),
  );
  return probes;
}
