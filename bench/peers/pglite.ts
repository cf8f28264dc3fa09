// PGlite for the peers benchmark, in its own process:
//   seed DIR         writes the benchmark's rows into a data folder Threadline has migrated
//   serve DIR PORT   serves that folder over the PostgreSQL wire protocol (@electric-sql/pglite-socket)
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { seed } from "./seed.ts";

const [command, dataDir, port] = process.argv.slice(2);
if (!dataDir || (command !== "seed" && command !== "serve")) throw new Error("usage: pglite.ts seed DIR | serve DIR PORT");
const db = await PGlite.create({ dataDir, extensions: { vector } });

if (command === "seed") {
  console.log(JSON.stringify(await seed(db)));
  await db.close();
} else {
  const server = new PGLiteSocketServer({ db, port: Number(port), host: "127.0.0.1" });
  await server.start();
  console.log(`pglite-socket on 127.0.0.1:${port}`);
  const stop = async () => {
    await server.stop();
    await db.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
