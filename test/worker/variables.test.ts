// Variables in Prefect's shapes: create, read by id and name, PATCH by name, filter, count, delete;
// bad names and oversized values refused naming the field; deleting takes an admin key.
import type { Variable } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './api';

const unique = (prefix: string) => `${prefix}_${crypto.randomUUID().slice(0, 8)}`;

async function agentKey(): Promise<string> {
  const { body } = await api<{ key: string }>('POST', '/api_keys', {
    name: 'variables agent',
    scope: 'agent',
  });
  return body.key;
}

describe('variables', () => {
  it('stores any JSON value and reads it back by id and by name', async () => {
    const name = unique('config');
    const value = { retries: 3, regions: ['eu', 'us'], dry_run: false, note: null };
    const created = await api<Variable>('POST', '/variables/', { name, value, tags: ['prod'] });
    expect(created).toMatchObject({ status: 201, body: { name, value, tags: ['prod'] } });
    expect((await api<Variable>('GET', `/variables/${created.body.id}`)).body.value).toEqual(value);
    expect((await api<Variable>('GET', `/variables/name/${name}`)).body).toEqual(created.body);
    for (const scalar of ['text', 42, 1.5, true, null]) {
      const other = unique('scalar');
      expect((await api<Variable>('POST', '/variables', { name: other, value: scalar })).body.value).toBe(
        scalar,
      );
      expect((await api<Variable>('GET', `/variables/name/${other}`)).body.value).toBe(scalar);
    }
  });

  it('a second variable of the same name is a 409 naming the name', async () => {
    const name = unique('twice');
    await api('POST', '/variables', { name, value: 1 });
    expect(await api('POST', '/variables', { name, value: 2 })).toMatchObject({
      status: 409,
      body: { code: 'variable.exists', field: 'name' },
    });
    expect((await api<Variable>('GET', `/variables/name/${name}`)).body.value).toBe(1);
  });

  it('PATCH by name changes only the fields it sends', async () => {
    const name = unique('patched');
    await api('POST', '/variables', { name, value: 'old', tags: ['a'] });
    expect((await api('PATCH', `/variables/name/${name}`, { value: { now: 'new' } })).status).toBe(204);
    expect((await api<Variable>('GET', `/variables/name/${name}`)).body).toMatchObject({
      value: { now: 'new' },
      tags: ['a'],
    });
    expect((await api('PATCH', `/variables/name/${unique('missing')}`, { value: 1 })).status).toBe(404);
  });

  it('renaming a variable to a name another variable holds is a 409 naming the name, and changes nothing', async () => {
    const taken = unique('holder');
    const moving = unique('mover');
    await api('POST', '/variables', { name: taken, value: 'kept' });
    const created = await api<Variable>('POST', '/variables', { name: moving, value: 'mine' });
    for (const path of [`/variables/${created.body.id}`, `/variables/name/${moving}`]) {
      expect(await api('PATCH', path, { name: taken, value: 'stolen' })).toMatchObject({
        status: 409,
        body: { code: 'variable.exists', field: 'name' },
      });
    }
    expect((await api<Variable>('GET', `/variables/name/${taken}`)).body.value).toBe('kept');
    expect((await api<Variable>('GET', `/variables/name/${moving}`)).body.value).toBe('mine');
  });

  it('refuses bad names and values over 5,000 characters, naming the field, and writes nothing', async () => {
    const bad = await api<{ field: string }>('POST', '/variables', { name: 'Has Spaces', value: 1 });
    expect(bad).toMatchObject({ status: 422, body: { field: 'name' } });
    const name = unique('huge');
    const huge = await api('POST', '/variables', { name, value: 'x'.repeat(5_000) });
    expect(huge).toMatchObject({ status: 422, body: { field: 'value' } });
    expect((await api('GET', `/variables/name/${name}`)).status).toBe(404);
    expect((await api('POST', '/variables', { name })).status).toBe(422);
    await api('POST', '/variables', { name, value: 'small' });
    expect(await api('PATCH', `/variables/name/${name}`, { value: 'y'.repeat(6_000) })).toMatchObject({
      status: 422,
      body: { field: 'value' },
    });
    expect((await api<Variable>('GET', `/variables/name/${name}`)).body.value).toBe('small');
  });

  it('filters by name and tags, counts, and sorts by name', async () => {
    const tag = unique('tag');
    const names = [unique('b'), unique('a'), unique('c')];
    for (const name of names) await api('POST', '/variables', { name, value: name, tags: [tag] });
    const body = { variables: { tags: { all_: [tag] } } };
    const listed = await api<Variable[]>('POST', '/variables/filter', body);
    expect(listed.body.map((variable) => variable.name)).toEqual([...names].sort());
    expect((await api<number>('POST', '/variables/count', body)).body).toBe(3);
    const byName = await api<Variable[]>('POST', '/variables/filter', {
      variables: { name: { like_: names[0]!.slice(2) } },
      sort: 'NAME_DESC',
    });
    expect(byName.body.map((variable) => variable.name)).toEqual([names[0]]);
  });

  it('an agent key creates, reads and changes variables; deleting takes admin', async () => {
    const key = await agentKey();
    const name = unique('agent');
    const created = await api<Variable>('POST', '/variables', { name, value: 1 }, key);
    expect(created.status).toBe(201);
    expect((await api('PATCH', `/variables/name/${name}`, { value: 2 }, key)).status).toBe(204);
    expect((await api('DELETE', `/variables/name/${name}`, undefined, key)).status).toBe(403);
    expect((await api('DELETE', `/variables/${created.body.id}`)).status).toBe(204);
    expect((await api('GET', `/variables/name/${name}`)).status).toBe(404);
    expect((await api('DELETE', `/variables/name/${name}`)).status).toBe(404);
  });
});
