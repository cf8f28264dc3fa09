// `npx tsx bench/viewer-client.ts`: what the viewer's client (src/auth/viewer-client.ts) costs per
// request, in CPU time of this process (so other load on the machine matters less than wall time):
// making the client, and the same findMany through the plain client and through the viewer's.
import { performance } from "node:perf_hooks";
import { openDatabase } from "../src/db/database.ts";
import { viewerClient } from "../src/auth/viewer-client.ts";

const db = await openDatabase({ dataDir: "memory://" });
const prisma = db.prisma;
const user = await prisma.user.create({ data: { externalId: "bench_viewer" } });
const ids: string[] = [];
for (let i = 0; i < 20; i++) ids.push((await prisma.conversation.create({ data: { userId: user.id, title: `c${i}` } })).id);

const cpuMs = () => {
  const { user: u, system } = process.cpuUsage();
  return (u + system) / 1000;
};
async function measure(label: string, times: number, fn: () => Promise<unknown> | unknown) {
  for (let i = 0; i < Math.min(200, times); i++) await fn(); // warm-up
  const cpu = cpuMs();
  const wall = performance.now();
  for (let i = 0; i < times; i++) await fn();
  const perCallCpu = ((cpuMs() - cpu) / times) * 1000;
  const perCallWall = ((performance.now() - wall) / times) * 1000;
  console.log(`| ${label} | ${times} | ${perCallCpu.toFixed(1)} | ${perCallWall.toFixed(1)} |`);
  return perCallCpu;
}

console.log("| what | calls | CPU µs per call | wall µs per call |\n|---|--:|--:|--:|");
await measure("viewerClient(prisma, id) (once per request that reads data)", 5_000, () => viewerClient(prisma, user.id));
const args = () => ({ where: { id: { in: ids.slice(0, 10) } }, select: { id: true } });
const plain = await measure("plain: conversation.findMany(id in 10) with the owner filter written in", 2_000, () =>
  prisma.conversation.findMany({ ...args(), where: { ...args().where, userId: user.id } }),
);
const scoped = viewerClient(prisma, user.id);
const viewer = await measure("viewer's client: conversation.findMany(id in 10)", 2_000, () => scoped.conversation.findMany(args()));
const fresh = await measure("viewer's client made for the call, then the findMany", 2_000, () => viewerClient(prisma, user.id).conversation.findMany(args()));
// Plain again, so the order of the runs (JIT warm-up) does not favour the later ones.
const plainAgain = await measure("plain again", 2_000, () => prisma.conversation.findMany({ ...args(), where: { ...args().where, userId: user.id } }));
const base = (plain + plainAgain) / 2;
console.log(`\nviewer's client / plain: ${(viewer / base).toFixed(2)}×; made per call: ${(fresh / base).toFixed(2)}×`);
await db.close();
