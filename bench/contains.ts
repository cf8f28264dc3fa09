// `npx tsx bench/contains.ts`: what a case-insensitive substring filter costs at its worst, on the
// embedded database (PGlite) or, with BENCH_DATABASE_URL, PostgreSQL. One 1 MB text of "a"s and
// patterns that almost match everywhere: "aaa…ab" (LIKE's worst case: it compares the pattern at
// every position) and "baa…a" (Boyer-Moore-Horspool's worst case: it compares backwards from the
// last character and shifts by one). Each way of matching, at several pattern lengths; the numbers
// are in docs/design/hardening.md.
import { performance } from "node:perf_hooks";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";

const TEXT_BYTES = Number(process.env.BENCH_TEXT_BYTES ?? 1_000_000);
const LENGTHS = (process.env.BENCH_PATTERN_LENGTHS ?? "10,100,200,1000").split(",").map(Number);

type Query = (sql: string, params: unknown[]) => Promise<unknown>;
let query: Query;
let close: () => Promise<void>;
const url = process.env.BENCH_DATABASE_URL;
if (url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  query = (sql, params) => client.query(sql, params);
  close = () => client.end();
} else {
  const db = await PGlite.create();
  query = (sql, params) => db.query(sql, params);
  close = () => db.close();
}

await query(`CREATE TEMP TABLE texts (content text NOT NULL)`, []);
await query(`INSERT INTO texts VALUES (repeat('a', ${TEXT_BYTES}))`, []);

const ways: Record<string, string> = {
  "ILIKE '%p%' (Prisma's contains, insensitive)": `SELECT count(*) FROM texts WHERE content ILIKE '%' || $1 || '%'`,
  "strpos(lower(content), lower(p)) > 0": `SELECT count(*) FROM texts WHERE strpos(lower(content), lower($1)) > 0`,
  "lower(content) only (the scan's floor)": `SELECT count(*) FROM texts WHERE length(lower(content)) > length($1)`,
};

async function time(sql: string, pattern: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await query(sql, [pattern]);
    runs.push(performance.now() - start);
  }
  return Math.min(...runs);
}

console.log(`${url ? "PostgreSQL" : "PGlite"}, one text of ${TEXT_BYTES.toLocaleString("en")} "a"s; best of 3, ms`);
console.log(["way", ...LENGTHS.flatMap((m) => [`aa…ab ×${m}`, `ba…a ×${m}`])].join(" | "));
for (const [name, sql] of Object.entries(ways)) {
  const cells = [name];
  for (const m of LENGTHS) {
    cells.push((await time(sql, `${"a".repeat(m - 1)}b`)).toFixed(1));
    cells.push((await time(sql, `b${"a".repeat(m - 1)}`)).toFixed(1));
  }
  console.log(cells.join(" | "));
}
await close();
