import path from "node:path";
import { defineConfig } from "prisma/config";

// Offline: the native schema engine cannot be downloaded here; `generate` never runs it, so a stub
// stands in. Migrations are created and applied by scripts/migrations.ts (WASM engine) instead.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve("scripts/no-schema-engine.sh");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
