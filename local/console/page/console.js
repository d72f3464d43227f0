// The live console: plain DOM and fetch, no framework, nothing from another origin. It polls the
// same API routes a deployed stack has (through `npm run console`'s proxy there), plus the local
// runtime's answer counts, and draws what changed.

const POLL_MS = 500;
const LIST_MS = 3000;
/** Samples kept for the charts: a minute at two a second. */
const WINDOW = 120;
/** A user's status is followed this long at most after pressing "get coupon". */
const FOLLOW_MS = 10 * 60 * 1000;
const FINAL_STATUSES = new Set(['ISSUED', 'SOLD_OUT', 'CLOSED', 'NOT_REQUESTED']);
const ANSWER_KINDS = ['QUEUED', 'SOLD_OUT', 'ALREADY_ISSUED', 'NOT_OPEN', 'CLOSED'];
const KNOWN_KEY = 'fcfs-console-coupons';
const SVG = 'http://www.w3.org/2000/svg';

const $ = (selector) => document.querySelector(selector);
const number = (value) =>
  typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US') : '—';
const path = (id) => encodeURIComponent(id);

const state = {
  info: { target: 'this API', answerCounts: false },
  /** Whether the API has `GET /coupons`; until it is known, undefined. */
  listRoute: undefined,
  coupons: new Map(),
  known: new Set(readKnown()),
  selected: null,
  samples: [],
  answers: {},
};

function readKnown() {
  try {
    const ids = JSON.parse(localStorage.getItem(KNOWN_KEY) ?? '[]');
    return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

function remember(couponId) {
  state.known.add(couponId);
  try {
    localStorage.setItem(KNOWN_KEY, JSON.stringify([...state.known].slice(-50)));
  } catch {
    // Storage may be off; the list then lasts as long as the page.
  }
}

async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    cache: 'no-store',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try {
    data = (await response.json()) ?? {};
  } catch {
    // Not JSON (a gateway's own error page): the status says enough.
  }
  return { status: response.status, body: data };
}

function describeError(answer) {
  return answer.body.message ?? answer.body.error ?? `HTTP ${answer.status}`;
}

function setConnection(text, ok) {
  const element = $('#connection');
  element.textContent = text;
  element.classList.toggle('offline', !ok);
}

// --- the list of coupons ---------------------------------------------------------------------

/** The state the API reports, or, from an API that does not report one yet, what the counters say. */
function stateOf(coupon) {
  if (coupon.state) return coupon.state;
  if (typeof coupon.available !== 'number') return '—';
  return coupon.available > 0 ? 'OPEN' : 'SOLD_OUT';
}

async function refreshList() {
  if (state.listRoute !== false) {
    const answer = await call('GET', '/coupons?limit=100');
    if (answer.status === 200 && Array.isArray(answer.body.items)) {
      state.listRoute = true;
      for (const item of answer.body.items)
        state.coupons.set(item.couponId, { ...state.coupons.get(item.couponId), ...item });
    } else if ([404, 405].includes(answer.status)) {
      state.listRoute = false;
    } else {
      throw new Error(describeError(answer));
    }
  }
  if (state.listRoute === false) {
    // Without the list route, the coupons this browser created or watched, each described.
    await Promise.all(
      [...state.known].map(async (couponId) => {
        const answer = await call('GET', `/coupons/${path(couponId)}`);
        if (answer.status === 200) state.coupons.set(couponId, answer.body);
      }),
    );
  }
  renderList();
  if (!state.selected) setConnection(`Live · updated ${new Date().toLocaleTimeString()}`, true);
}

function renderList() {
  const body = $('#coupons tbody');
  const ids = [...state.coupons.keys()];
  const rows = new Map([...body.rows].map((row) => [row.dataset.couponId, row]));
  for (const couponId of ids) {
    let row = rows.get(couponId);
    if (!row) {
      row = body.insertRow(state.listRoute ? ids.indexOf(couponId) : -1);
      row.dataset.couponId = couponId;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = couponId;
      button.title = `Watch ${couponId}`;
      button.addEventListener('click', () => select(couponId));
      row.insertCell().append(button);
      row.insertCell();
      row.insertCell();
      row.insertCell().className = 'num';
    }
    const coupon = state.coupons.get(couponId);
    row.cells[0].firstChild.setAttribute('aria-pressed', String(couponId === state.selected));
    row.cells[1].textContent = coupon.name ?? '';
    row.cells[2].textContent = stateOf(coupon);
    row.cells[3].textContent = number(coupon.stock);
  }
  $('#list-note').textContent =
    state.listRoute === false
      ? 'This API has no list route (GET /coupons): the coupons created or watched in this browser are listed.'
      : ids.length === 0
        ? 'No coupon yet: create one below.'
        : '';
}

// --- the chosen coupon -----------------------------------------------------------------------

function select(couponId) {
  if (!state.coupons.has(couponId)) state.coupons.set(couponId, { couponId });
  state.selected = couponId;
  state.samples = [];
  state.answers = {};
  remember(couponId);
  history.replaceState(null, '', `#coupon=${path(couponId)}`);
  $('#sale').hidden = false;
  $('#sale-id').textContent = couponId;
  $('#sale-name').textContent = '';
  $('#sale-state').textContent = '—';
  for (const element of document.querySelectorAll('#counters dd')) element.textContent = '—';
  renderList();
  renderCharts();
  void poll();
}

/** Epoch ms from an ISO string or a number, or undefined. */
function epoch(value) {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function drainLag(view) {
  if (view.queued === 0) return '0 s';
  const oldest = epoch(view.oldestQueuedAt);
  if (oldest === undefined) return '—';
  const lag = (epoch(view.now) ?? Date.now()) - oldest;
  return `${(Math.max(lag, 0) / 1000).toFixed(1)} s`;
}

/** Persisted from the API, or, from an API that does not report it yet, the issued not pending. */
function persistedOf(view) {
  if (typeof view.persisted === 'number') return view.persisted;
  return typeof view.issued === 'number' && typeof view.pending === 'number'
    ? view.issued - view.pending
    : undefined;
}

function renderCoupon(view) {
  $('#sale-name').textContent = view.name ?? '';
  $('#sale-state').textContent = stateOf(view);
  const times = [
    view.opensAt && `opens ${new Date(view.opensAt).toLocaleString()}`,
    view.closesAt && `closes ${new Date(view.closesAt).toLocaleString()}`,
  ];
  $('#sale-window').textContent = times.filter(Boolean).join(', ');
  $('#c-stock').textContent = number(view.stock);
  $('#c-available').textContent = number(view.available);
  $('#c-queued').textContent = number(view.queued);
  $('#c-issued').textContent = number(view.issued);
  $('#c-persisted').textContent = number(persistedOf(view));
  $('#c-pending').textContent = number(view.pending);
  $('#c-lag').textContent = drainLag(view);
}

function renderAnswers() {
  const body = $('#answers tbody');
  body.replaceChildren();
  const kinds = Object.entries(state.answers).sort((a, b) => b[1] - a[1]);
  for (const [kind, count] of kinds) {
    const row = body.insertRow();
    row.dataset.kind = kind;
    row.insertCell().textContent = kind;
    const cell = row.insertCell();
    cell.className = 'num';
    cell.textContent = number(count);
  }
  $('#answers-note').textContent = state.info.answerCounts
    ? kinds.length === 0
      ? 'No answer yet.'
      : 'Counted by this runtime since it started.'
    : 'Answer counts come from the local runtime; on AWS see the CloudWatch dashboard.';
}

async function poll() {
  const couponId = state.selected;
  if (!couponId) return;
  const [view, answers] = await Promise.all([
    call('GET', `/coupons/${path(couponId)}`),
    state.info.answerCounts ? call('GET', `/console/answers?couponId=${path(couponId)}`) : undefined,
  ]);
  if (couponId !== state.selected) return;
  if (view.status !== 200) {
    setConnection(`${couponId}: ${describeError(view)}`, false);
    return;
  }
  state.coupons.set(couponId, { ...state.coupons.get(couponId), ...view.body });
  state.answers = answers?.status === 200 ? (answers.body.answers?.RequestCoupon ?? {}) : {};
  state.samples.push({
    at: performance.now(),
    admitted: (view.body.queued ?? 0) + (view.body.issued ?? 0),
    issued: view.body.issued ?? 0,
    persisted: persistedOf(view.body) ?? 0,
    answers: { ...state.answers },
  });
  if (state.samples.length > WINDOW + 1) state.samples.shift();
  renderCoupon(view.body);
  renderAnswers();
  renderCharts();
  renderList();
  setConnection(`Live · updated ${new Date().toLocaleTimeString()}`, true);
}

// --- charts ------------------------------------------------------------------------------------

/** Per-second rates between consecutive samples, for each named figure. */
function rates(pick) {
  const out = [];
  for (let i = 1; i < state.samples.length; i++) {
    const a = state.samples[i - 1];
    const b = state.samples[i];
    const seconds = (b.at - a.at) / 1000;
    out.push(seconds > 0 ? Math.max(pick(b) - pick(a), 0) / seconds : 0);
  }
  return out;
}

/** A ceiling for the y axis: 1, 2 or 5 times a power of ten. */
function niceCeiling(value) {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function drawChart(svg, legend, series) {
  const width = 600;
  const height = 180;
  const top = 16;
  const bottom = 4;
  const peak = niceCeiling(Math.max(0, ...series.flatMap((s) => s.values)));
  const y = (value) => top + (height - top - bottom) * (1 - value / peak);
  const x = (i) => (width * i) / (WINDOW - 1);
  const children = [];
  for (const fraction of [0, 0.5, 1]) {
    const line = document.createElementNS(SVG, 'line');
    line.setAttribute('class', 'grid');
    line.setAttribute('x1', '0');
    line.setAttribute('x2', String(width));
    line.setAttribute('y1', String(y(peak * fraction)));
    line.setAttribute('y2', String(y(peak * fraction)));
    children.push(line);
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('class', 'label');
    label.setAttribute('x', '4');
    label.setAttribute('y', String(y(peak * fraction) - 3));
    label.textContent = `${number(peak * fraction)}/s`;
    if (fraction > 0) children.push(label);
  }
  for (const { className, values } of series) {
    if (values.length === 0) continue;
    const offset = WINDOW - values.length;
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', className);
    line.setAttribute(
      'points',
      values.map((v, i) => `${x(offset + i).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
    );
    children.push(line);
  }
  svg.replaceChildren(...children);
  const latest = series.map((s) => `${s.name} ${number(Math.round(s.values.at(-1) ?? 0))}/s`);
  svg.setAttribute(
    'aria-label',
    series.length ? `Now: ${latest.join(', ')}. Scale up to ${number(peak)}/s.` : 'No data yet',
  );
  legend.replaceChildren(
    ...series.map((s, i) => {
      const item = document.createElement('li');
      item.className = s.className;
      item.textContent = latest[i];
      return item;
    }),
  );
}

function renderCharts() {
  drawChart($('#chart-flow'), $('#legend-flow'), [
    { name: 'admissions', className: 's-admissions', values: rates((s) => s.admitted) },
    { name: 'issued', className: 's-issued', values: rates((s) => s.issued) },
    { name: 'persisted', className: 's-persisted', values: rates((s) => s.persisted) },
  ]);
  const kinds = new Set(state.samples.flatMap((s) => Object.keys(s.answers)));
  drawChart(
    $('#chart-answers'),
    $('#legend-answers'),
    [...kinds]
      .sort((a, b) => ((ANSWER_KINDS.indexOf(a) + 99) % 99) - ((ANSWER_KINDS.indexOf(b) + 99) % 99))
      .map((kind) => ({
        name: kind,
        className: ANSWER_KINDS.includes(kind) ? `k-${kind}` : 'k-other',
        values: rates((s) => s.answers[kind] ?? 0),
      })),
  );
}

// --- forms -------------------------------------------------------------------------------------

function isoFromLocal(value) {
  return value ? new Date(value).toISOString() : undefined;
}

async function createCoupon(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const coupon = {
    couponId: String(form.get('couponId')).trim(),
    name: String(form.get('name')).trim(),
    stock: Number(form.get('stock')),
  };
  const opensAt = isoFromLocal(form.get('opensAt'));
  const closesAt = isoFromLocal(form.get('closesAt'));
  if (opensAt) coupon.opensAt = opensAt;
  if (closesAt) coupon.closesAt = closesAt;
  const result = $('#create-result');
  result.textContent = 'Creating…';
  try {
    const answer = await call('POST', '/coupons', coupon);
    if (answer.status !== 201) {
      result.textContent = `Not created: ${describeError(answer)}`;
      return;
    }
    result.textContent = `Created ${coupon.couponId}.`;
    remember(coupon.couponId);
    state.coupons.set(coupon.couponId, answer.body);
    event.target.reset();
    select(coupon.couponId);
    await refreshList();
  } catch (error) {
    result.textContent = `Not created: ${error.message}`;
  }
}

function describeStatus(body, status) {
  if (body.status === 'QUEUED') return `QUEUED (position ${number(body.position)})`;
  if (body.status === 'ISSUED')
    return body.issuedAt ? `ISSUED at ${new Date(body.issuedAt).toLocaleTimeString()}` : 'ISSUED';
  if (body.status === 'NOT_OPEN' && body.opensAt)
    return `NOT_OPEN (opens ${new Date(body.opensAt).toLocaleString()})`;
  return body.status ?? `${body.error ?? 'ERROR'} (HTTP ${status}): ${body.message ?? ''}`.trim();
}

/** Shows each change of a user's answer, from the first one to a final one. */
async function follow(couponId, userId, trail) {
  const steps = [trail.textContent];
  const until = Date.now() + FOLLOW_MS;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    let answer;
    try {
      answer = await call('GET', `/coupons/${path(couponId)}/requests/${path(userId)}`);
    } catch {
      continue;
    }
    const step = describeStatus(answer.body, answer.status);
    if (step !== steps.at(-1)) {
      steps.push(step);
      trail.textContent = steps.join(' → ');
    }
    if (answer.status !== 200 || FINAL_STATUSES.has(answer.body.status)) return;
  }
}

async function getCoupon(event) {
  event.preventDefault();
  const couponId = state.selected;
  const userId = String(new FormData(event.target).get('userId')).trim();
  if (!couponId || !userId) return;
  const item = document.createElement('li');
  const who = document.createElement('strong');
  who.textContent = userId;
  const trail = document.createElement('span');
  trail.className = 'trail';
  trail.textContent = '…';
  item.dataset.userId = userId;
  item.append(who, ` on ${couponId}: `, trail);
  $('#user-log').prepend(item);
  try {
    const answer = await call('POST', `/coupons/${path(couponId)}/requests`, { userId });
    trail.textContent = describeStatus(answer.body, answer.status);
    if (answer.body.status === 'QUEUED') await follow(couponId, userId, trail);
  } catch (error) {
    trail.textContent = `no answer: ${error.message}`;
  }
}

function watchCoupon(event) {
  event.preventDefault();
  const couponId = String(new FormData(event.target).get('couponId')).trim();
  if (!couponId) return;
  event.target.reset();
  select(couponId);
}

// --- start -------------------------------------------------------------------------------------

async function every(ms, work) {
  try {
    await work();
  } catch (error) {
    setConnection(`Cannot reach the API: ${error.message}`, false);
  }
  setTimeout(() => void every(ms, work), ms);
}

async function start() {
  $('#create-form').addEventListener('submit', createCoupon);
  $('#get-form').addEventListener('submit', getCoupon);
  $('#watch-form').addEventListener('submit', watchCoupon);
  try {
    const info = await call('GET', '/console/info');
    if (info.status === 200) state.info = { ...state.info, ...info.body };
  } catch {
    // Served without the console's helpers: watch the API as it is.
  }
  $('#target').textContent = `Watching ${state.info.target}`;
  const fromHash = /^#coupon=(.+)$/.exec(location.hash);
  if (fromHash) select(decodeURIComponent(fromHash[1]));
  void every(LIST_MS, refreshList);
  void every(POLL_MS, poll);
}

void start();
