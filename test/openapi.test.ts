import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { drain } from '#functions/handlers/drain';
import { ROUTES, type Route, type RouteName } from '#functions/routes';
import { ANSWERS, openApiDocument } from '#local/openapi';
import { uniqueId } from './support/helpers';
import { type Reply, useApi } from './support/http';

// The OpenAPI document cannot drift from the code: every route of functions/routes.ts is in it
// with its method, path parameters and body schema (the handler's own), and nothing else; the
// local runtime serves it; and what the handlers answer is what it says they answer.

const document = openApiDocument();
const api = useApi({ document: openApiDocument });
const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method, operation: operation as Operation })),
);

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, unknown>;
}

const jsonSchema = (schema: z.core.$ZodType) => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return rest;
};

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toMatch(/^3\.1\./);
  });

  it('has exactly the routes of the route table, each method on its path', () => {
    expect(
      operations.map((o) => `${o.method.toUpperCase()} ${o.path} ${o.operation.operationId}`).sort(),
    ).toEqual(ROUTES.map((r) => `${r.method} ${r.path} ${r.name}`).sort());
  });

  it("has each route's path parameters, query and body, with the schemas its handler validates with", () => {
    for (const route of ROUTES as readonly Route[]) {
      const { operation } = operations.find(
        (o) => o.operation.operationId === route.name,
      ) as (typeof operations)[0];
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const pathParameters = (operation.parameters ?? []).filter((p) => p.in === 'path');
      expect(
        pathParameters.map((p) => p.name),
        route.name,
      ).toEqual(inPath);
      expect(Object.keys(route.request.path?.shape ?? {}), route.name).toEqual(inPath);
      for (const parameter of pathParameters) {
        expect(parameter.required).toBe(true);
        expect(parameter.schema).toEqual(
          jsonSchema(route.request.path?.shape[parameter.name] as z.core.$ZodType),
        );
      }
      const query = (operation.parameters ?? []).filter((p) => p.in === 'query');
      expect(
        query.map((p) => p.name),
        route.name,
      ).toEqual(Object.keys(route.request.query?.shape ?? {}));
      const body = operation.requestBody?.content['application/json']?.schema;
      expect(body, route.name).toEqual(route.request.body ? jsonSchema(route.request.body) : undefined);
    }
  });

  it('is served by the local runtime at /openapi.json', async () => {
    const reply = await api.call('GET', '/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.body).toEqual(JSON.parse(JSON.stringify(document)));
  });
});

describe('what the handlers answer', () => {
  const seen: string[] = [];
  /** A call whose answer must be one the document lists for the route, with a body of its schema. */
  async function call(
    name: RouteName,
    method: string,
    path: string,
    body?: unknown,
    raw?: string,
  ): Promise<Reply> {
    const reply = await api.call(method, path, body, raw);
    const answers: Record<number, readonly [string, z.ZodType?]> = ANSWERS[name];
    const answer = answers[reply.status];
    expect(answer, `${name} answered ${reply.status}, which the document does not list`).toBeDefined();
    const schema = answer?.[1];
    if (schema) expect(() => schema.parse(reply.body), `${name} ${reply.status}`).not.toThrow();
    seen.push(`${name} ${reply.status}`);
    return reply;
  }

  it('is what the document says, for every success and error a test can cause', async () => {
    const couponId = uniqueId('doc');
    await call('CreateCoupon', 'POST', '/coupons', { couponId, name: 'Documented', stock: 1 });
    await call('CreateCoupon', 'POST', '/coupons', { couponId, name: 'Documented', stock: 1 });
    await call('CreateCoupon', 'POST', '/coupons', { couponId: 'a b' });
    await call('CreateCoupon', 'POST', '/coupons', undefined, 'x'.repeat(20_000));
    await call('GetCoupon', 'GET', `/coupons/${couponId}`);
    await call('GetCoupon', 'GET', `/coupons/${uniqueId('none')}`);
    await call('RequestCoupon', 'POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    await call('GetRequest', 'GET', `/coupons/${couponId}/requests/ann`);
    await call('RequestCoupon', 'POST', `/coupons/${couponId}/requests`, { userId: 'ben' });
    await call('RequestCoupon', 'POST', `/coupons/${uniqueId('none')}/requests`, { userId: 'ben' });
    await drain.tick(Date.now() + 10_000);
    await call('RequestCoupon', 'POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    await call('GetRequest', 'GET', `/coupons/${couponId}/requests/ann`);
    await call('GetRequest', 'GET', `/coupons/${couponId}/requests/ben`);
    await call('UserCoupons', 'GET', '/users/ann/coupons');
    await call('UserCoupons', 'GET', '/users/a%20b/coupons');
    await call('Health', 'GET', '/health');
    await call('ListCoupons', 'GET', '/coupons?limit=2');
    await call('ListCoupons', 'GET', '/coupons?cursor=not-one-of-ours');
    const later = uniqueId('doc-later');
    const opensAt = new Date(Date.now() + 3_600_000).toISOString();
    await call('CreateCoupon', 'POST', '/coupons', { couponId: later, name: 'Later', stock: 2, opensAt });
    await call('ChangeWindow', 'PATCH', `/coupons/${later}`, {
      closesAt: new Date(Date.now() + 7_200_000).toISOString(),
    });
    await call('ChangeWindow', 'PATCH', `/coupons/${later}`, { closesAt: opensAt });
    await call('ChangeWindow', 'PATCH', `/coupons/${uniqueId('none')}`, { closesAt: null });
    await call('ChangeWindow', 'PATCH', `/coupons/${later}`, { opensAt: 'now' });
    await call('ChangeWindow', 'PATCH', `/coupons/${later}`, { opensAt: opensAt });
    await call('AddStock', 'POST', `/coupons/${later}/stock`, { add: 3 });
    await call('AddStock', 'POST', `/coupons/${uniqueId('none')}/stock`, { add: 3 });
    await call('AddStock', 'POST', `/coupons/${later}/stock`, { add: 10_000_000 });
    expect(seen).toEqual(
      expect.arrayContaining([
        'CreateCoupon 201',
        'CreateCoupon 409',
        'CreateCoupon 400',
        'CreateCoupon 413',
        'GetCoupon 200',
        'GetCoupon 404',
        'RequestCoupon 202',
        'RequestCoupon 410',
        'RequestCoupon 409',
        'RequestCoupon 404',
        'GetRequest 200',
        'UserCoupons 200',
        'UserCoupons 400',
        'Health 200',
        'ListCoupons 200',
        'ListCoupons 400',
        'ChangeWindow 200',
        'ChangeWindow 400',
        'ChangeWindow 404',
        'ChangeWindow 409',
        'AddStock 200',
        'AddStock 404',
        'AddStock 409',
      ]),
    );
  });
});
