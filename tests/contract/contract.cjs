'use strict';
// The contract test: starts a real wirebase on a fresh database, runs every
// operation of docs/openapi.json against it (at least one success and one
// error each) and checks every answer against the document: its status must
// be documented for the operation, its Content-Type must be one the document
// names, and its body must validate against the schema (response schemas
// forbid fields they do not list). Usage: node contract.cjs PATH/TO/wirebase

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const http = require('node:http');
const path = require('node:path');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const wirebase = path.resolve(process.argv[2] || '');
const docPath = path.join(__dirname, '..', '..', 'docs', 'openapi.json');
const doc = JSON.parse(fs.readFileSync(docPath, 'utf8'));

// ---- the document's schemas, compiled once ----

// Component references point into the document; ajv gets the schemas under
// one id of their own, so the rest of the document (not JSON Schema) stays out.
function rewriteRefs(value) {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')
      ? 'wirebase#/$defs/' + v.slice('#/components/schemas/'.length)
      : rewriteRefs(v);
  }
  return out;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
addFormats(ajv);
ajv.addSchema({ $id: 'wirebase', $defs: rewriteRefs(doc.components.schemas) });

function resolve(obj) {
  while (obj && obj.$ref) {
    const parts = obj.$ref.replace(/^#\//, '').split('/');
    obj = parts.reduce((o, p) => o[p], doc);
  }
  return obj;
}

const validators = new Map();
function validatorFor(schema) {
  const key = JSON.stringify(schema);
  if (!validators.has(key)) validators.set(key, ajv.compile(rewriteRefs(schema)));
  return validators.get(key);
}

// ---- the server ----

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wirebase-contract-'));
const db = path.join(work, 'wirebase.db');
let server;
let base;

function startServer() {
  return new Promise((resolveStart, reject) => {
    server = spawn(wirebase, ['serve', '--db', db, '--listen', '127.0.0.1:0'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => reject(new Error('no listening line:\n' + log)), 20000);
    server.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m && !base) {
        clearTimeout(timer);
        base = 'http://127.0.0.1:' + m[1];
        resolveStart();
      }
    });
    server.on('error', reject);
    server.on('exit', (code) => { if (!base) reject(new Error('exited ' + code + ':\n' + log)); });
  });
}

function makeKey(name, scope) {
  return execFileSync(wirebase, ['keys', 'create', '--name', name, '--scope', scope, '--db', db],
    { encoding: 'utf8' }).trim();
}

// ---- checking one answer ----

const failures = [];
const seen = new Map(); // operationId -> { ok: bool, error: bool }
let checks = 0;

function findOperation(method, target) {
  const pathOnly = target.split('?')[0];
  for (const [template, item] of Object.entries(doc.paths)) {
    const re = new RegExp('^' + template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$');
    if (re.test(pathOnly) && item[method.toLowerCase()]) return item[method.toLowerCase()];
  }
  return null;
}

function mediaType(value) {
  return (value || '').split(';')[0].trim().toLowerCase();
}

// A request whose announced body the server refuses before reading it:
// only the head is sent, and the answer read as soon as it comes.
function callHeadOnly(c, headers) {
  return new Promise((done, reject) => {
    const req = http.request(base + c.path, { method: c.method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => done({ res: { status: res.statusCode, headers: new Headers(res.headers) }, text }));
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

async function call(c) {
  const headers = Object.assign({}, c.headers || {});
  if (c.key) headers.Authorization = 'Bearer ' + c.key;
  let body = c.body;
  if (body !== undefined && typeof body !== 'string') {
    body = JSON.stringify(body);
    if (!headers['Content-Type']) headers['Content-Type'] = 'application/json';
  }
  if (c.announce) {
    headers['Content-Length'] = String(c.announce);
    return callHeadOnly(c, headers);
  }
  const res = await fetch(base + c.path, { method: c.method, headers, body });
  const text = await res.text();
  return { res, text };
}

async function check(c) {
  const label = `${c.method} ${c.path}${c.why ? ' (' + c.why + ')' : ''}`;
  const op = findOperation(c.method, c.path);
  if (!op) {
    failures.push(`${label}: no operation in the document`);
    return null;
  }
  const { res, text } = await call(c);
  checks++;
  const fail = (why) => failures.push(`${label}: ${res.status} ${why}`);
  if (c.expect !== undefined && res.status !== c.expect) fail(`expected ${c.expect}; body ${text.slice(0, 300)}`);

  const entry = seen.get(op.operationId) || { ok: false, error: false };
  if (res.status < 400) entry.ok = true; else entry.error = true;
  seen.set(op.operationId, entry);

  const documented = op.responses[String(res.status)];
  if (!documented) {
    fail('is not a documented status of ' + op.operationId);
    return { res, text };
  }
  const response = resolve(documented);
  for (const name of Object.keys(response.headers || {})) {
    if (name === 'X-Request-Id' && !res.headers.get(name)) fail('lacks X-Request-Id');
  }
  if (!response.content) {
    if (text.length > 0) fail('has a body where the document has none');
    return { res, text };
  }
  const got = res.headers.get('content-type');
  const media = Object.keys(response.content).find((k) => mediaType(k) === mediaType(got));
  if (!media) {
    fail(`Content-Type ${got} is not one of ${Object.keys(response.content).join(', ')}`);
    return { res, text };
  }
  // Full Content-Type strings with parameters must match exactly.
  if (media.includes(';') && media.replace(/ /g, '') !== (got || '').replace(/ /g, '')) {
    fail(`Content-Type ${got} is not ${media}`);
  }
  const schema = response.content[media].schema;
  let value = text;
  const isJson = mediaType(media) === 'application/json' || mediaType(media).endsWith('+json');
  if (isJson) {
    try { value = JSON.parse(text); } catch (e) { fail('body is not JSON'); return { res, text }; }
  }
  const validate = validatorFor(schema);
  if (!validate(value)) {
    fail('body does not match the document: ' +
      ajv.errorsText(validate.errors, { separator: '; ' }) + '\n    ' + text.slice(0, 400));
  }
  if (c.field && !(value && value.errors && value.errors[0] && value.errors[0].field === c.field)) {
    fail(`problem does not name ${c.field}`);
  }
  return { res, text, value };
}

// ---- the cases ----

async function main() {
  await startServer();
  const writer = makeKey('contract-writer', 'write');
  const reader = makeKey('contract-reader', 'read');
  const W = { key: writer };

  const article = '/v1/articles/us-russian-defense-chiefs-promote-deeper-ties';
  const entity = '/v1/entities/robert-gates';
  const agreement = '/v1/agreements/new-start-treaty';
  const quote = '/v1/quotes/gates-russia-not-a-threat';

  const cases = [
    // Lists and their filters.
    { method: 'GET', path: '/v1/articles?limit=2', expect: 200 },
    { method: 'GET', path: '/v1/articles?entity=robert-gates&since=2010-01-01&until=2010-12-31&q=memorandum', expect: 200 },
    { method: 'GET', path: '/v1/articles?fields=id,title', expect: 200 },
    { method: 'GET', path: '/v1/articles?limit=0', expect: 400, field: 'limit' },
    { method: 'GET', path: '/v1/articles?stauts=x', expect: 400, field: 'stauts' },
    { method: 'GET', path: '/v1/entities?type=person&sort=mentions', expect: 200 },
    { method: 'GET', path: '/v1/entities?q=nato', expect: 200 },
    { method: 'GET', path: '/v1/entities?sort=height', expect: 400, field: 'sort' },
    { method: 'GET', path: '/v1/agreements?party=russia&status=signed', expect: 200 },
    { method: 'GET', path: '/v1/agreements?kind=alliance', expect: 400, field: 'kind' },
    { method: 'GET', path: '/v1/quotes?speaker=robert-gates&q=russia', expect: 200 },
    { method: 'GET', path: '/v1/quotes?article=no-such-article', expect: 400, field: 'article' },
    // One record each.
    { method: 'GET', path: article, expect: 200 },
    { method: 'GET', path: '/v1/articles/1', expect: 200 },
    { method: 'GET', path: '/v1/articles/no-such-article', expect: 404 },
    { method: 'GET', path: entity, expect: 200 },
    { method: 'GET', path: '/v1/entities/nobody-at-all', expect: 404 },
    { method: 'GET', path: agreement, expect: 200 },
    { method: 'GET', path: '/v1/agreements/us-russia-defense-cooperation-memorandum-2010', expect: 200 },
    { method: 'GET', path: '/v1/agreements/99999', expect: 404 },
    { method: 'GET', path: quote, expect: 200 },
    { method: 'GET', path: '/v1/quotes/0', expect: 400, field: 'id' },
    // Relations and search.
    { method: 'GET', path: entity + '/related?limit=3', expect: 200 },
    { method: 'GET', path: '/v1/entities/nobody-at-all/related', expect: 404 },
    { method: 'GET', path: '/v1/agreements/us-russia-defense-cooperation-memorandum-2010/chain', expect: 200 },
    { method: 'GET', path: '/v1/agreements/nothing-here/chain', expect: 404 },
    { method: 'GET', path: '/v1/search?q=memorandum&limit=3', expect: 200 },
    { method: 'GET', path: '/v1/search?q=gates&type=entity', expect: 200 },
    { method: 'GET', path: '/v1/search', expect: 400, field: 'q' },
    { method: 'GET', path: '/v1/search?q=a%20NEAR%20b', expect: 400, field: 'q' },
    { method: 'GET', path: '/v1/graph?entity=robert-gates&depth=2&min_weight=1&limit=10', expect: 200 },
    { method: 'GET', path: '/v1/graph', expect: 400, field: 'entity' },
    { method: 'GET', path: '/v1/timeline?entity=russia&since=2010-01-01&until=2010-12-31', expect: 200 },
    { method: 'GET', path: '/v1/timeline?interval=week', expect: 400, field: 'interval' },
    { method: 'GET', path: '/v1/timeline?interval=day&since=1900-01-01&until=2010-12-31', expect: 400, field: 'interval' },
    { method: 'GET', path: '/v1/stats', expect: 200 },
    { method: 'GET', path: '/v1/stats?x=1', expect: 400, field: 'x' },
    // Service.
    { method: 'GET', path: '/healthz', expect: 200 },
    { method: 'GET', path: '/healthz?verbose=1', expect: 400, field: 'verbose' },
    { method: 'GET', path: '/readyz', expect: 200 },
    { method: 'GET', path: '/readyz?x=1', expect: 400 },
    { method: 'GET', path: '/version', expect: 200 },
    { method: 'GET', path: '/version?x=1', expect: 400 },
    { method: 'GET', path: '/metrics', expect: 200 },
    { method: 'GET', path: '/metrics?format=json', expect: 400, field: 'format' },
    { method: 'GET', path: '/openapi.json', expect: 200 },
    { method: 'GET', path: '/openapi.json?v=2', expect: 400 },
    { method: 'GET', path: '/healthz', headers: { 'X-Request-Id': 'x'.repeat(129) }, expect: 400, field: 'X-Request-Id', why: 'a request id too long' },
    // Export.
    { method: 'GET', path: '/v1/export', expect: 200 },
    { method: 'GET', path: '/v1/export?since=2010-01-01', expect: 400 },
  ];
  for (const c of cases) await check(c);

  // Revalidation: the ETag of an answer turns the same request into 304.
  for (const p of ['/v1/articles?limit=2', article, entity + '/related', '/v1/stats']) {
    const first = await check({ method: 'GET', path: p, expect: 200 });
    const etag = first && first.res.headers.get('etag');
    if (!etag) { failures.push(`GET ${p}: no ETag`); continue; }
    await check({ method: 'GET', path: p, headers: { 'If-None-Match': etag }, expect: 304, why: 'revalidated' });
  }

  // Writes, each with its refusals, on records made here.
  const created = await check({ method: 'POST', path: '/v1/entities', ...W, expect: 201,
    headers: { 'Idempotency-Key': 'contract-1' },
    body: { name: 'Contract Person', type: 'person', aliases: ['C. Person'], description: 'Made by the contract test.' } });
  await check({ method: 'POST', path: '/v1/entities', ...W, expect: 201, why: 'an idempotent replay',
    headers: { 'Idempotency-Key': 'contract-1' },
    body: { name: 'Contract Person', type: 'person', aliases: ['C. Person'], description: 'Made by the contract test.' } });
  await check({ method: 'POST', path: '/v1/entities', ...W, expect: 422, field: 'Idempotency-Key',
    headers: { 'Idempotency-Key': 'contract-1' }, body: { name: 'Someone Else', type: 'person' } });
  await check({ method: 'POST', path: '/v1/entities', expect: 401, body: { name: 'X', type: 'person' } });
  await check({ method: 'POST', path: '/v1/entities', key: reader, expect: 403, body: { name: 'X', type: 'person' } });
  await check({ method: 'POST', path: '/v1/entities', ...W, expect: 400, field: 'type', body: { name: 'X', type: 'alien' } });
  await check({ method: 'POST', path: '/v1/entities', ...W, expect: 409, field: 'slug', body: { name: 'X', type: 'person', slug: 'robert-gates' } });
  await check({ method: 'POST', path: '/v1/entities', ...W, expect: 415, body: 'name=x', headers: { 'Content-Type': 'text/plain' } });
  await check({ method: 'POST', path: '/v1/entities', ...W, expect: 413, why: 'a body over --max-body',
    headers: { 'Content-Type': 'application/json' }, announce: 2 * 1024 * 1024 });
  const person = created && created.value ? '/v1/entities/' + created.value.slug : '/v1/entities/contract-person';
  const tag = created && created.res.headers.get('etag');

  await check({ method: 'PATCH', path: person, ...W, expect: 200, headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': tag || '*' },
    body: JSON.stringify({ description: null }) });
  await check({ method: 'PATCH', path: person, ...W, expect: 412, field: 'If-Match', headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': '"s1-0000000000000000"' },
    body: JSON.stringify({ description: 'stale' }) });
  await check({ method: 'PATCH', path: person, ...W, expect: 400, field: 'height', body: { height: 2 } });
  await check({ method: 'PATCH', path: '/v1/entities/nobody-at-all', ...W, expect: 404, body: { name: 'Y' } });
  await check({ method: 'POST', path: person + '/aliases', ...W, expect: 200, body: { aliases: ['Contractor'] } });
  await check({ method: 'POST', path: person + '/aliases', ...W, expect: 400, field: 'aliases', body: { aliases: 'Contractor' } });
  const dup = await check({ method: 'POST', path: '/v1/entities', ...W, expect: 201, body: { name: 'Contract Person Twin', type: 'person' } });
  await check({ method: 'POST', path: person + '/merge', ...W, expect: 422, field: 'into', body: { into: 'nobody-at-all' } });
  if (dup && dup.value) {
    await check({ method: 'POST', path: '/v1/entities/' + dup.value.slug + '/merge', ...W, expect: 200, body: { into: created.value.slug } });
  }

  const art = await check({ method: 'POST', path: '/v1/articles', ...W, expect: 201,
    body: { title: 'Contract test article', source: 'Contract', published_at: '2010-11-19', body: 'Words.',
            url: 'https://example.org/a', summary: 'A summary.', mentions: [{ entity: 'robert-gates', count: 2 }] } });
  await check({ method: 'POST', path: '/v1/articles', ...W, expect: 422, field: 'mentions[0].entity',
    body: { title: 'T', source: 'S', published_at: '2010-11-19', body: 'B', mentions: [{ entity: 'nobody-at-all' }] } });
  const artPath = art && art.value ? '/v1/articles/' + art.value.slug : '/v1/articles/contract-test-article';
  await check({ method: 'PATCH', path: artPath, ...W, expect: 200, body: { summary: 'Changed.' } });
  await check({ method: 'PATCH', path: artPath, ...W, expect: 415, body: '{}', headers: { 'Content-Type': 'text/plain' } });

  const q = await check({ method: 'POST', path: '/v1/quotes', ...W, expect: 201,
    body: { article: art && art.value ? art.value.slug : 1, speaker: created && created.value ? created.value.slug : 1, text: 'We test contracts.' } });
  await check({ method: 'POST', path: '/v1/quotes', ...W, expect: 400, field: 'text', body: { article: 1, speaker: 1, text: '' } });
  const quotePath = q && q.value ? '/v1/quotes/' + q.value.slug : '/v1/quotes/1';
  await check({ method: 'PATCH', path: quotePath, ...W, expect: 200, body: { text: 'We test contracts daily.' } });
  await check({ method: 'PATCH', path: '/v1/quotes/999999', ...W, expect: 404, body: { text: 'x' } });
  await check({ method: 'DELETE', path: person, ...W, expect: 409, why: 'it still speaks in a quote' });

  const ag = await check({ method: 'POST', path: '/v1/agreements', ...W, expect: 201,
    body: { title: 'Contract accord', kind: 'accord', status: 'signed', signed_on: '2010-11-20', summary: 'Tested.',
            parties: ['russia', 'united-states'], signatories: ['robert-gates'], supersedes: 'new-start-treaty',
            articles: [art && art.value ? art.value.slug : 1] } });
  await check({ method: 'POST', path: '/v1/agreements', ...W, expect: 400, field: 'kind', body: { title: 'T', kind: 'pact', status: 'signed' } });
  const agPath = ag && ag.value ? '/v1/agreements/' + ag.value.slug : '/v1/agreements/contract-accord';
  await check({ method: 'PATCH', path: agPath, ...W, expect: 200, body: { status: 'in_force' } });
  await check({ method: 'PATCH', path: agreement, ...W, expect: 409, why: 'a supersedes cycle', body: { supersedes: ag && ag.value ? ag.value.slug : 'x' } });

  await check({ method: 'DELETE', path: quotePath, ...W, expect: 204 });
  await check({ method: 'DELETE', path: quotePath, ...W, expect: 404 });
  await check({ method: 'DELETE', path: agPath, ...W, expect: 204 });
  await check({ method: 'DELETE', path: agPath, key: reader, expect: 403 });
  await check({ method: 'DELETE', path: artPath, ...W, expect: 412, headers: { 'If-Match': '"s1-0000000000000000"' } });
  await check({ method: 'DELETE', path: artPath, ...W, expect: 204 });
  await check({ method: 'DELETE', path: artPath, expect: 401 });
  await check({ method: 'DELETE', path: person, ...W, expect: 204 });
  await check({ method: 'DELETE', path: '/v1/entities/nobody-at-all', ...W, expect: 404 });

  // Import: all or nothing, partial, and refusals.
  const line = (o) => JSON.stringify(o) + '\n';
  const nd = { 'Content-Type': 'application/x-ndjson' };
  await check({ method: 'POST', path: '/v1/import', ...W, headers: nd, expect: 200,
    body: line({ type: 'entity', name: 'Imported One', entity_type: 'organization' }) });
  await check({ method: 'POST', path: '/v1/import?mode=partial', ...W, headers: nd, expect: 200,
    body: line({ type: 'entity', name: 'Imported Two', entity_type: 'person' }) + line({ type: 'entity', name: '' }) });
  await check({ method: 'POST', path: '/v1/import', ...W, headers: nd, expect: 422,
    body: line({ type: 'entity', name: 'Imported Three', entity_type: 'person' }) + line({ type: 'planet' }) });
  await check({ method: 'POST', path: '/v1/import?mode=some', ...W, headers: nd, expect: 400, field: 'mode', body: '\n' });
  await check({ method: 'POST', path: '/v1/import', ...W, expect: 415, body: '{}', headers: { 'Content-Type': 'application/json' } });

  // Every documented operation ran, and failed as documented at least once.
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const entry = seen.get(op.operationId);
      if (!entry || !entry.ok) failures.push(`${method.toUpperCase()} ${p} (${op.operationId}): no success case ran`);
      if (!entry || !entry.error) failures.push(`${method.toUpperCase()} ${p} (${op.operationId}): no error case ran`);
    }
  }
  // The served document is the one in docs/.
  const served = await call({ method: 'GET', path: '/openapi.json' });
  if (served.text !== fs.readFileSync(docPath, 'utf8')) failures.push('/openapi.json is not docs/openapi.json');
}

main()
  .catch((e) => failures.push('aborted: ' + (e && e.stack ? e.stack : e)))
  .finally(() => {
    if (server) server.kill('SIGTERM');
    fs.rmSync(work, { recursive: true, force: true });
    for (const f of failures) console.log('FAIL - ' + f);
    const ops = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    console.log(`${checks} answers checked over ${ops} operations`);
    console.log(`${Math.max(0, checks - failures.length)} passed, ${failures.length} failed`);
    process.exitCode = failures.length === 0 ? 0 : 1;
  });
