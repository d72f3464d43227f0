// A generated corpus of malformed requests: every one of them must get a 4xx with a clear
// message and change nothing. Generators only produce requests that are invalid by
// construction (truncated JSON, a wrong type or an invalid id in one field, ...).

export interface BadRequest {
  label: string;
  method: string;
  path: string;
  /** Sent as is. */
  body?: string | Uint8Array;
  /** Sent instead of content-type: application/json. */
  headers?: Record<string, string>;
  /** The one status that is right, where a 4xx is not (501 for an unknown method, RFC 9110). */
  status?: number;
}

/** mulberry32: a small seeded generator, so a failing case can be replayed. */
export function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INVALID_IDS = [
  '',
  ' ',
  'a b',
  'x'.repeat(65),
  '../etc/passwd',
  '..',
  'a/b',
  'a\\b',
  'a.b',
  'é',
  'ｆｕｌｌ',
  '😀',
  'a\u0000b',
  '\u202eabc',
  'a\nb',
  "a'b",
  'a"b',
  '<script>',
  '{42}',
  'a:b',
  '*',
  '%',
  'null',
].filter((id) => id !== 'null');

const NOT_STRINGS = [null, 0, 42, -1, 1.5, true, false, [], ['a'], {}, { a: 1 }];
const BAD_NAMES = [
  '',
  '   ',
  'n'.repeat(201),
  ' lead',
  'trail ',
  '\tTab',
  'New line\n',
  '\u3000wide',
  '\ufffd',
  ...NOT_STRINGS,
];
const BAD_STOCKS = [0, -1, -100, 1.5, 0.1, 10_000_001, 1e12, '10', '', null, true, [], {}, [5], { n: 5 }];
const RAW_BODIES = [
  '',
  ' ',
  '{',
  '}',
  '{"',
  'null',
  'true',
  '0',
  '"text"',
  '[]',
  '[{}]',
  '{}',
  'undefined',
  "{'couponId':'a'}",
  '{"couponId":"a",}',
  '\ufeff{"couponId":"a"}',
  '{"stock":1e400}',
  '{"couponId":"a","name":"n","stock":1e400}',
  '{"couponId":"a","name":"n","stock":-1e400}',
  '{"stock":NaN}',
  '{"stock":Infinity}',
  '<xml/>',
  'couponId=a&name=b&stock=1',
  '\u0000\u0001\u0002',
  '{"a":'.repeat(5000),
  '['.repeat(100_000),
];

function randomString(rand: () => number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(Math.floor(rand() * 0x3000));
  return text;
}

/** An id made invalid at a random place by a character outside [A-Za-z0-9_-] or by its length. */
function randomInvalidId(rand: () => number): string {
  const bad = ' ./\\:%{}()[]<>?#&=+*!@$^|~`\'"é😀\u0000\t\n';
  const base = 'abcdefghij'.slice(0, 1 + Math.floor(rand() * 10));
  if (rand() < 0.15) return 'x'.repeat(65 + Math.floor(rand() * 200));
  const at = Math.floor(rand() * (base.length + 1));
  const char = [...bad][Math.floor(rand() * [...bad].length)] as string;
  return base.slice(0, at) + char + base.slice(at);
}

export function badRequests(existingCoupon: string, seed = 20261126): BadRequest[] {
  const rand = random(seed);
  const cases: BadRequest[] = [];
  const valid = { couponId: 'new-coupon', name: 'A coupon', stock: 10 };
  const create = (label: string, body: string) =>
    cases.push({ label, method: 'POST', path: '/coupons', body });
  const request = (label: string, body: string, couponId = existingCoupon) =>
    cases.push({ label, method: 'POST', path: `/coupons/${encodeURIComponent(couponId)}/requests`, body });

  for (const body of RAW_BODIES) {
    create(`raw body ${JSON.stringify(body.slice(0, 20))}`, body);
    request(`raw body ${JSON.stringify(body.slice(0, 20))}`, body);
  }
  for (const field of ['couponId', 'name', 'stock'] as const) {
    const { [field]: _, ...rest } = valid;
    create(`missing ${field}`, JSON.stringify(rest));
  }
  for (const id of [...INVALID_IDS, ...NOT_STRINGS]) {
    create(`couponId ${JSON.stringify(id)}`, JSON.stringify({ ...valid, couponId: id }));
    request(`userId ${JSON.stringify(id)}`, JSON.stringify({ userId: id }));
  }
  for (const name of BAD_NAMES) create(`name ${JSON.stringify(name)}`, JSON.stringify({ ...valid, name }));
  for (const stock of BAD_STOCKS)
    create(`stock ${JSON.stringify(stock)}`, JSON.stringify({ ...valid, stock }));
  create('unknown field', JSON.stringify({ ...valid, admin: true }));
  request('unknown field', JSON.stringify({ userId: 'ann', priority: 1 }));
  request('missing userId', '{}');
  create('a megabyte body', JSON.stringify({ ...valid, name: 'n'.repeat(1024 * 1024) }));
  request('a megabyte body', JSON.stringify({ userId: 'u'.repeat(1024 * 1024) }));
  create('11 megabytes', 'x'.repeat(11 * 1024 * 1024));

  // Invalid ids in paths, for every route that takes one.
  for (const id of INVALID_IDS.filter((id) => id !== '' && id !== '..')) {
    const p = encodeURIComponent(id);
    request(`path couponId ${JSON.stringify(id)}`, JSON.stringify({ userId: 'ann' }), id);
    cases.push({ label: `GET coupon ${JSON.stringify(id)}`, method: 'GET', path: `/coupons/${p}` });
    cases.push({
      label: `GET status ${JSON.stringify(id)}`,
      method: 'GET',
      path: `/coupons/${existingCoupon}/requests/${p}`,
    });
    cases.push({ label: `GET user ${JSON.stringify(id)}`, method: 'GET', path: `/users/${p}/coupons` });
  }
  cases.push({ label: 'malformed percent-encoding', method: 'GET', path: '/users/%E0%A4%A/coupons' });

  // Bodies that are not sent as JSON (415), whatever they hold.
  const validCreateBody = JSON.stringify(valid);
  const validRequestBody = JSON.stringify({ userId: 'ann' });
  for (const type of [
    '',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json; charset=iso-8859-1',
    'application/json-patch+json',
  ]) {
    const headers = { 'content-type': type };
    cases.push({
      label: `create as ${type || 'no type'}`,
      method: 'POST',
      path: '/coupons',
      body: validCreateBody,
      headers,
    });
    cases.push({
      label: `request as ${type || 'no type'}`,
      method: 'POST',
      path: `/coupons/${existingCoupon}/requests`,
      body: validRequestBody,
      headers,
    });
  }

  // Bytes that are not UTF-8, inside otherwise valid bodies (400).
  const INVALID_UTF8 = [
    [0xff],
    [0xc3],
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf0, 0x9f, 0x98],
    [0xfe, 0xfe],
    [0x80],
  ];
  for (const bytes of INVALID_UTF8) {
    const [before, after] = validCreateBody.split('A coupon');
    cases.push({
      label: `create with bytes ${bytes.map((b) => b.toString(16)).join(' ')}`,
      method: 'POST',
      path: '/coupons',
      body: Buffer.concat([Buffer.from(`${before}A `), Buffer.from(bytes), Buffer.from(`coupon${after}`)]),
    });
    cases.push({
      label: `request with bytes ${bytes.map((b) => b.toString(16)).join(' ')}`,
      method: 'POST',
      path: `/coupons/${existingCoupon}/requests`,
      body: Buffer.concat([Buffer.from('{"userId":"a'), Buffer.from(bytes), Buffer.from('"}')]),
    });
  }

  // Methods a path does not serve (405), and methods no HTTP server knows (501).
  for (const path of [
    `/coupons/${existingCoupon}`,
    `/coupons/${existingCoupon}/requests/ann`,
    '/users/ann/coupons',
    '/health',
  ]) {
    for (const method of ['DELETE', 'PUT', 'POST', 'PROPFIND']) {
      cases.push({ label: `${method} ${path}`, method, path, body: validRequestBody });
    }
  }
  for (const path of ['/coupons', `/coupons/${existingCoupon}/requests`]) {
    for (const method of ['DELETE', 'PUT', 'PROPFIND']) {
      cases.push({ label: `${method} ${path}`, method, path, body: validCreateBody });
    }
  }
  for (const method of ['BREW', 'FOO', 'GETT']) {
    cases.push({ label: `${method} /coupons`, method, path: '/coupons', body: validCreateBody, status: 501 });
  }

  // Generated: truncated valid bodies (never valid JSON), random text, random invalid ids.
  const validRequest = JSON.stringify({ userId: 'generated-user' });
  for (let i = 0; i < 300; i++) {
    create(`truncated create #${i}`, validCreateBody.slice(0, Math.floor(rand() * validCreateBody.length)));
    request(`truncated request #${i}`, validRequest.slice(0, Math.floor(rand() * validRequest.length)));
  }
  for (let i = 0; i < 150; i++) {
    const text = randomString(rand, Math.floor(rand() * 64));
    create(`random text #${i}`, text);
    request(`random text #${i}`, text);
  }
  for (let i = 0; i < 150; i++) {
    create(`random couponId #${i}`, JSON.stringify({ ...valid, couponId: randomInvalidId(rand) }));
    request(`random userId #${i}`, JSON.stringify({ userId: randomInvalidId(rand) }));
    cases.push({
      label: `random path id #${i}`,
      method: 'GET',
      path: `/coupons/${existingCoupon}/requests/${encodeURIComponent(randomInvalidId(rand))}`,
    });
  }
  return cases;
}
