import type { Prisma } from "../../generated/prisma/client.ts";
import { type Seed } from "./shared.ts";

// Demo data, planning: the roadmap.

export async function seedRoadmap(seed: Seed) {
  const epics: Omit<Prisma.EpicUncheckedCreateInput, "userId">[] = [
    { title: "Tool usage analytics", description: "Counts and durations per tool and status.", status: "COMPLETED", priority: "MEDIUM", quarter: "Q3 2025", outcome: "Shipped GET /api/stats/tools.", icon: "📊", color: "#16a34a" },
    { title: "Semantic search across conversations", description: "Chunk, embed and search every conversation.", status: "IN_PROGRESS", priority: "HIGH", quarter: "Q4 2025", icon: "🔎", color: "#2563eb" },
    { title: "Roadmap planner", description: "Epics on a board, ordered by drag and drop.", status: "PLANNED", priority: "MEDIUM", quarter: "Q1 2026", icon: "🗺️", color: "#9333ea" },
    { title: "Realtime collaboration", description: "Share a live conversation with a teammate.", status: "CANCELLED", priority: "LOW", quarter: "Q1 2026", outcome: "Dropped: single-user focus for now.", icon: "👥", color: "#6b7280" },
  ];
  // After any epics the user already has, numbered on like createEpic does (a dense 1..n board).
  const { _max } = await seed.tx.epic.aggregate({ where: { userId: seed.userId }, _max: { order: true } });
  await seed.tx.epic.createMany({ data: epics.map((epic, i) => ({ ...epic, userId: seed.userId, order: (_max.order ?? 0) + i + 1 })) });
  seed.log(`planning: ${epics.length} epics`);
}
