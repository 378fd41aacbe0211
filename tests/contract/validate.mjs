// validate.mjs BASE_URL OPENAPI_JSON
//
// Sends the requests below to a running whatworks and checks every response
// against service/openapi.json: the status must be documented for the
// operation, the Content-Type must be one the response declares, and a JSON
// body must validate (Ajv, JSON Schema 2020-12, which OpenAPI 3.1 uses)
// against the declared schema. Prints one line per response and a closing
// "N passed, N failed" line; exits 1 on any failure.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [base, specPath] = process.argv.slice(2);
if (!base || !specPath) {
	console.error('usage: node validate.mjs BASE_URL OPENAPI_JSON');
	process.exit(2);
}
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const token = process.env.CONTRACT_TOKEN || '';
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, 'openapi');

const auth = { Authorization: `Bearer ${token}` };
const csv = { Accept: 'text/csv' };
// [method, target, headers, body]: every route, its statuses and forms
const requests = [
	['GET', '/v1/interventions'],
	['GET', '/v1/interventions?limit=3&sort=-bcr'],
	['GET', '/v1/interventions?theme=knife-crime&theme=vawg&band=very-high,low'],
	['GET', '/v1/interventions?format=csv'],
	['GET', '/v1/interventions?limit=2', csv],
	['GET', '/v1/interventions?limit=0'],
	['GET', '/v1/interventions?limit=1&limit=2'],
	['GET', '/v1/interventions?nope=1'],
	['GET', '/v1/interventions?as_of=abcdef0'],
	['GET', '/v1/interventions?format=xml'],
	['GET', '/v1/interventions', { Accept: 'image/png' }],
	['GET', '/v1/interventions', { 'If-None-Match': '*' }],
	['DELETE', '/v1/interventions'],
	['GET', '/v1/interventions/contract-patrols'],
	['GET', '/v1/interventions/contract-mentoring'],
	['GET', '/v1/interventions/adult-drug-courts'],
	['GET', '/v1/interventions/contract-patrols?format=csv'],
	['GET', '/v1/interventions/no-such-thing'],
	['GET', '/v1/interventions/contract-patrols/projection?area=merseyside&coverage=0.1'],
	['GET', '/v1/interventions/contract-patrols/projection?area=merseyside'],
	['GET', '/v1/interventions/contract-mentoring/projection?area=merseyside&units=100'],
	['GET', '/v1/interventions/contract-patrols/projection?area=merseyside&coverage=0.1&format=csv'],
	['GET', '/v1/interventions/adult-drug-courts/projection?area=merseyside'],
	['GET', '/v1/interventions/contract-patrols/projection'],
	['GET', '/v1/interventions/contract-patrols/projection?area=atlantis'],
	['GET', '/v1/evaluations'],
	['GET', '/v1/evaluations?country=GB&design=rct,quasi-experimental&sort=-quality'],
	['GET', '/v1/evaluations?format=csv'],
	['GET', '/v1/evaluations?country=XX'],
	['GET', '/v1/evaluations/contract-mentoring-rct'],
	['GET', '/v1/evaluations/contract-patrols-trial'],
	['GET', '/v1/evaluations/adult-drug-courts-mitchell-2012'],
	['GET', '/v1/evaluations/contract-mentoring-rct?format=csv'],
	['GET', '/v1/evaluations/nope'],
	['GET', '/v1/evaluations/contract-mentoring-rct/history'],
	['GET', '/v1/evaluations/contract-mentoring-rct/history?format=csv'],
	['GET', '/v1/evaluations/nope/history'],
	['GET', '/v1/themes'],
	['GET', '/v1/themes?format=csv'],
	['GET', '/v1/themes?offset=1'],
	['GET', '/v1/reference/unit-costs'],
	['GET', '/v1/reference/unit-costs?format=csv'],
	['GET', '/v1/reference/deflators'],
	['GET', '/v1/areas'],
	['GET', '/v1/areas?as_of=0000000'],
	['GET', '/v1/areas/merseyside/crime'],
	['GET', '/v1/areas/merseyside/crime?category=all-crime&from=2024-03&to=2024-05'],
	['GET', '/v1/areas/merseyside/crime?format=csv'],
	['GET', '/v1/areas/west-midlands/crime'],
	['GET', '/v1/areas/merseyside/crime?from=2024-13'],
	['GET', '/v1/imports'],
	['GET', '/v1/imports?status=rejected,succeeded&limit=1'],
	['GET', '/v1/imports?format=csv'],
	['GET', '/v1/imports/1'],
	['GET', '/v1/imports/3'],
	['GET', '/v1/imports/3?format=csv'],
	['GET', '/v1/imports/999'],
	['GET', '/v1/imports/abc'],
	['POST', '/v1/imports', {}, ''],
	['POST', '/v1/imports', { ...auth, 'Content-Type': 'application/json' }, '{"source": 1}'],
	['POST', '/v1/imports', { ...auth, 'Content-Type': 'application/json' }, '{"source": "nope"}'],
	['POST', '/v1/imports', auth, ''],
	['GET', '/v1/imports/requests/1'],
	['GET', '/v1/imports/requests/999'],
	['GET', '/v1/imports/requests/abc'],
	['GET', '/v1/export?limit=5'],
	['GET', '/v1/export?format=csv'],
	['GET', '/v1/export?cursor=bogus'],
	['GET', '/v1/scores'],
	['GET', '/v1/scores?band=very-high,low&sort=-bcr'],
	['GET', '/v1/scores?format=csv'],
	['GET', '/v1/scores?limit=1001'],
	['GET', '/v1/scoring/parameters'],
	['GET', '/v1/scoring/parameters?format=csv'],
	['GET', '/openapi.json'],
	['GET', '/openapi.json?format=csv'],
	['GET', '/healthz'],
	['GET', '/readyz'],
	['GET', '/metrics'],
	['POST', '/v1/hooks/git', { 'Content-Type': 'application/json' }, '{}'],
	['GET', '/v1/hooks/git'],
	['GET', '/v1/nowhere'],
];

function templateOf(path) {
	for (const t of Object.keys(spec.paths)) {
		const re = new RegExp('^' + t.replace(/\{[^}]+\}/g, '[^/]+') + '$');
		if (re.test(path)) return t;
	}
	return null;
}

function deref(obj) {
	while (obj && obj.$ref) {
		const parts = obj.$ref.replace(/^#\//, '').split('/');
		obj = parts.reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
	}
	return obj;
}

function pointer(...keys) {
	return 'openapi#/' + keys.map((k) => String(k).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

let passed = 0, failed = 0;
const etags = new Map();
function check(name, ok, why) {
	if (ok) {
		passed++;
		console.log(`ok   ${name}`);
	} else {
		failed++;
		console.log(`FAIL ${name}: ${why}`);
	}
}

async function one(method, target, headers = {}, body = undefined) {
	const res = await fetch(base + target, { method, headers, body, redirect: 'manual' });
	const text = await res.text();
	const name = `${method} ${target} -> ${res.status}`;
	const path = target.split('?')[0];
	const tmpl = templateOf(path);
	if (tmpl === null) {
		// no such route: the 404 every unknown path gets
		const doc = JSON.parse(text);
		const v = ajv.getSchema('openapi#/components/schemas/Error') || ajv.compile({ $ref: 'openapi#/components/schemas/Error' });
		return check(name, res.status === 404 && v(doc), 'an unknown path must be a 404 Error');
	}
	const m = method === 'HEAD' ? 'get' : method.toLowerCase();
	const op = spec.paths[tmpl][m];
	if (!op) {
		if (res.status !== 405) return check(name, false, `no ${m} operation and status is not 405`);
		const allow = res.headers.get('allow') || '';
		const doc = JSON.parse(text);
		const ok = ajv.compile({ $ref: 'openapi#/components/schemas/Error' })(doc) && doc.error.detail.allow === allow;
		return check(name, ok, `405 must be an Error whose detail.allow is the Allow header (${allow})`);
	}
	const resp = deref(op.responses[String(res.status)] ?? op.responses.default);
	if (!resp) return check(name, false, `status ${res.status} is not documented for ${m} ${tmpl}: ${text.slice(0, 200)}`);
	const ct = (res.headers.get('content-type') || '').split(';')[0].trim();
	if (res.status === 304 || text.length === 0) {
		return check(name, !resp.content || res.status === 304, 'an empty body where content is declared');
	}
	if (!resp.content || !resp.content[ct])
		return check(name, false, `Content-Type ${ct} is not declared for ${res.status} (declared: ${Object.keys(resp.content || {}).join(', ')})`);
	if (ct !== 'application/json') return check(name, true);
	let doc;
	try {
		doc = JSON.parse(text);
	} catch (e) {
		return check(name, false, `not JSON: ${e.message}`);
	}
	const key = op.responses[String(res.status)] ? String(res.status) : 'default';
	const raw = op.responses[key];
	const ref = raw.$ref
		? pointer(...raw.$ref.replace(/^#\//, '').split('/').map((k) => k.replace(/~1/g, '/')), 'content', ct, 'schema')
		: pointer('paths', tmpl, m, 'responses', key, 'content', ct, 'schema');
	const validate = ajv.getSchema(ref) || ajv.compile({ $ref: ref });
	const ok = validate(doc);
	check(name, ok, ok ? '' : ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 800));
	const etag = res.headers.get('etag');
	if (res.status === 200 && etag && method === 'GET') etags.set(target, etag);
}

// every example in the document is an instance of its schema
for (const [name, schema] of Object.entries(spec.components.schemas)) {
	if (schema.example === undefined) continue;
	const v = ajv.compile({ $ref: `openapi#/components/schemas/${name}` });
	const ok = v(schema.example);
	check(`example of ${name}`, ok, ok ? '' : ajv.errorsText(v.errors));
}

for (const [method, target, headers, body] of requests) {
	try {
		await one(method, target, headers, body);
	} catch (e) {
		check(`${method} ${target}`, false, e.message);
	}
}
// every ETag given answers 304, as documented
for (const [target, etag] of etags) {
	try {
		await one('GET', target, { 'If-None-Match': etag });
	} catch (e) {
		check(`GET ${target} (If-None-Match)`, false, e.message);
	}
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
