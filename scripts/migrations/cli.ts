// Creating and checking migrations without Prisma's native schema engine (it cannot be downloaded here):
// drives @prisma/schema-engine-wasm through a driver adapter.
//
//   npm run db:migrate -- create NAME [--draft]   schema.prisma vs migrations -> prisma/migrations/<ts>_NAME
//   npm run db:migrate -- diff                    exit 2 when schema.prisma needs a migration (CI drift check)
//   npm run db:migrate -- drift                   exit 2 when the live database differs from the migrations
//   npm run db:migrate -- status                  migration history vs the database's _prisma_migrations
//
// DATABASE_URL=postgres://... uses that server; otherwise PGlite in THREADLINE_DATA_DIR (default ./.threadline).
// Never run it against a PGlite folder a running server has open.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import * as wasmBindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { pgEngineAdapter, pgliteEngineAdapter } from "./adapter-fixes.ts";

const SCHEMA = path.resolve("prisma/schema.prisma");
const MIGRATIONS = path.resolve("prisma/migrations");
// Indexes Prisma cannot express (HNSW, full-text): it emits DROP INDEX for them in every diff (prisma/orm#27770).
const HAND_WRITTEN_INDEX = /_hnsw_|_fts$|_trgm$/;
const filters = { externalTables: [] as string[], externalEnums: [] as string[] };

function withoutHandWrittenIndexDrops(sql: string) {
  return sql.replace(/-- DropIndex\nDROP INDEX (?:"[^"]+"\.)?"([^"]+)";\n*/g, (drop, name) => (HAND_WRITTEN_INDEX.test(name) ? "" : drop));
}
const isEmpty = (sql: string) => sql.split("\n").every((line) => !line.trim() || line.trim().startsWith("--"));

// The engine reports Rust panics through this global; without it a panic surfaces as an unrelated TypeError.
(globalThis as any).PRISMA_WASM_PANIC_REGISTRY ??= { set_message: (message: string) => console.error(`schema engine panic: ${message}`) };

function loadEngine() {
  // node 20 cannot import .wasm modules: instantiate it by hand.
  const require = createRequire(import.meta.url);
  const bindingsFile = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const wasm = fs.readFileSync(path.join(path.dirname(bindingsFile), "schema_engine_bg.wasm"));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), { "./schema_engine_bg.js": wasmBindings as any });
  (wasmBindings as any).__wbg_set_wasm(instance.exports);
  (instance.exports as any).__wbindgen_start();
  return wasmBindings.SchemaEngine;
}

function connect() {
  const url = process.env.DATABASE_URL;
  if (url?.startsWith("postgres")) return { factory: pgEngineAdapter(url), close: async () => {} };
  const client = new PGlite({ dataDir: process.env.THREADLINE_DATA_DIR ?? "./.threadline", extensions: { vector } });
  return { factory: pgliteEngineAdapter(client), close: () => client.close() };
}

function migrationsList() {
  const lock = path.join(MIGRATIONS, "migration_lock.toml");
  const dirs = fs.existsSync(MIGRATIONS)
    ? fs.readdirSync(MIGRATIONS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
    : [];
  return {
    baseDir: MIGRATIONS,
    lockfile: { path: "migration_lock.toml", content: fs.existsSync(lock) ? fs.readFileSync(lock, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((name) => {
      const file = path.join(MIGRATIONS, name, "migration.sql");
      const content = fs.existsSync(file)
        ? { tag: "ok" as const, value: fs.readFileSync(file, "utf8") }
        : { tag: "error" as const, value: "missing" };
      return { path: name, migrationFile: { path: "migration.sql", content } };
    }),
  };
}

const schemaText = fs.readFileSync(SCHEMA, "utf8");
const schemas = { files: [{ path: SCHEMA, content: schemaText }] };
const [command, name] = process.argv.slice(2);
const SchemaEngine = loadEngine();
const { factory, close } = connect();
const bound: any = bindMigrationAwareSqlAdapterFactory(factory);
const engine = await SchemaEngine.new({ datamodels: [[SCHEMA, schemaText]] }, (line: string) => {
  if (process.env.SCHEMA_ENGINE_DEBUG) console.error(line);
}, bound);

let exitCode = 0;
try {
  switch (command) {
    case "create": {
      if (!name) throw new Error("usage: create NAME [--draft]");
      // devDiagnostic replays the migrations on a shadow database and primes the cache createMigration needs.
      const diagnostic = await engine.devDiagnostic({ migrationsList: migrationsList(), filters });
      if (diagnostic.action.tag === "reset") {
        console.error(`The database has drifted from the migrations: ${diagnostic.action.reason}`);
        exitCode = 2;
        break;
      }
      const loss = await engine.evaluateDataLoss({ migrationsList: migrationsList(), schema: schemas, filters });
      for (const warning of [...loss.warnings, ...loss.unexecutableSteps]) console.warn("warning:", warning.message);
      const draft = process.argv.includes("--draft");
      const out = await engine.createMigration({ draft, migrationName: name, migrationsList: migrationsList(), schema: schemas, filters });
      const script = out.migrationScript === null ? null : withoutHandWrittenIndexDrops(out.migrationScript);
      if (script === null || (!draft && isEmpty(script))) {
        console.log("No schema changes: no migration created.");
        break;
      }
      const dir = path.join(MIGRATIONS, out.generatedMigrationName);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "migration.sql"), script);
      fs.writeFileSync(
        path.join(MIGRATIONS, "migration_lock.toml"),
        `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${out.connectorType}"\n`,
      );
      console.log(`Created ${path.relative(process.cwd(), dir)}/migration.sql: review it, add any vector/full-text indexes by hand.`);
      break;
    }
    case "diff": {
      const out = await engine.diff({
        from: { tag: "migrations", ...migrationsList() },
        to: { tag: "schemaDatamodel", ...schemas },
        script: true,
        exitCode: true,
        filters,
      });
      const script = withoutHandWrittenIndexDrops(out.stdout ?? "");
      if (isEmpty(script)) console.log("schema.prisma and prisma/migrations agree.");
      else {
        process.stdout.write(script);
        console.error("\nschema.prisma has changes no migration holds: run `npm run db:migrate -- create NAME`.");
        exitCode = 2;
      }
      break;
    }
    case "drift": {
      const out = await engine.devDiagnostic({ migrationsList: migrationsList(), filters });
      if (out.action.tag === "reset") {
        console.log(out.action.reason);
        exitCode = 2;
      } else console.log("No drift.");
      break;
    }
    case "status": {
      const out = await engine.diagnoseMigrationHistory({ migrationsList: migrationsList(), optInToShadowDatabase: false, filters });
      console.log(JSON.stringify(out, null, 2));
      if (out.history || out.failedMigrationNames.length || out.editedMigrationNames.length) exitCode = 1;
      break;
    }
    default:
      console.error("usage: npm run db:migrate -- create NAME [--draft] | diff | drift | status");
      exitCode = 64;
  }
} catch (error: any) {
  const message = String(error?.message ?? error);
  const external = /External error id#(\d+)/.exec(message);
  const driverError = external ? bound.errorRegistry?.consumeError(Number(external[1]))?.error : undefined;
  console.error("error:", message, driverError ? `\n  driver error: ${driverError.message ?? JSON.stringify(driverError)}` : "");
  if (/shadow DB must be provided/.test(message)) {
    console.error("hint: apply the existing migrations to this database first (npm run db:deploy), then create again.");
  }
  exitCode = 1;
} finally {
  engine.free();
  await close();
}
process.exit(exitCode);
