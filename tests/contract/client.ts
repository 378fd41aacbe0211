// client.ts - a small dashboard client typed by openapi-typescript from
// service/openapi.json: it reads a list, an item and the scores. It must
// compile under tsc --strict (no `unknown` to cast away) and run against a
// daemon: node build/client.js BASE_URL.
import type { components, paths } from './build/api';

// the two bits of Node this needs, without @types/node
declare const process: { argv: string[]; exit(code: number): never };

type InterventionList =
	paths['/v1/interventions']['get']['responses']['200']['content']['application/json'];
type InterventionItem =
	paths['/v1/interventions/{id}']['get']['responses']['200']['content']['application/json'];
type ScoreList = paths['/v1/scores']['get']['responses']['200']['content']['application/json'];
type Score = components['schemas']['Score'];

async function get<T>(base: string, target: string): Promise<T> {
	const res = await fetch(base + target);
	if (!res.ok) throw new Error(`${target}: HTTP ${res.status}`);
	return (await res.json()) as T;
}

function money(x: number | null | undefined): string {
	return x === null || x === undefined ? 'n/a' : `£${Math.round(x).toLocaleString('en-GB')}`;
}

async function main(base: string): Promise<void> {
	const list = await get<InterventionList>(base, '/v1/interventions?sort=-bcr&limit=5');
	const version = list.meta.evidence_version;
	console.log(`${list.meta.total} interventions, evidence run ${version ? version.run_id : 'none'}`);
	for (const row of list.data) {
		const bcr: number | null = row.bcr;
		console.log(`  ${row.id} (${row.level}, ${row.themes.join('/')}): band ${row.band}, BCR ${bcr ?? 'n/a'}`);
	}
	if (list.data.length === 0) throw new Error('no interventions');

	const item = await get<InterventionItem>(base, `/v1/interventions/${list.data[0].id}`);
	const scores: Score[] = item.data.scores;
	for (const s of scores) {
		const f = s.figures;
		console.log(`  ${s.crime_type}: benefits ${money(f.pv_benefits)}, costs ${money(f.pv_costs)}, rating ${s.evidence_rating}`);
	}
	console.log(`  ${item.data.evaluations.length} evaluations; first from ${item.data.provenance.path}`);

	const table = await get<ScoreList>(base, '/v1/scores?limit=1000');
	const harmful = table.data.filter((r) => r.harmful).map((r) => r.intervention);
	const best = table.data.reduce<number>((m, r) => Math.max(m, r.bcr ?? 0), 0);
	console.log(`${table.data.length} score rows, best BCR ${best.toFixed(2)}, harmful: ${harmful.join(', ') || 'none'}`);
}

main(process.argv[2] ?? 'http://127.0.0.1:8080').catch((e: unknown) => {
	console.error(e instanceof Error ? e.message : e);
	process.exit(1);
});
