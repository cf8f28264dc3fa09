// The viewer's client (src/auth/viewer-client.ts) on a real database: each operation sees and
// changes the viewer's rows only, however the caller wrote its `where`; raw SQL must bind the viewer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/database.ts";
import { Prisma } from "../src/generated/prisma/client.ts";
import { ownedExecute, ownedQuery, ownedStatement, owner, viewerClient } from "../src/auth/viewer-client.ts";
import { freshDatabase } from "./support/database.ts";

let db: Database;
let mine: string;
let theirs: string;
let myConversation: string;
let theirConversation: string;
let theirMessage: string;

beforeAll(async () => {
  db = await freshDatabase();
  const prisma = db.prisma;
  mine = (await prisma.user.create({ data: { externalId: "viewer_mine" } })).id;
  theirs = (await prisma.user.create({ data: { externalId: "viewer_theirs" } })).id;
  myConversation = (await prisma.conversation.create({ data: { userId: mine, title: "mine" } })).id;
  theirConversation = (await prisma.conversation.create({ data: { userId: theirs, title: "theirs" } })).id;
  await prisma.message.create({ data: { conversationId: myConversation, role: "USER", content: "hello", contentHash: "h1", position: 0 } });
  theirMessage = (await prisma.message.create({ data: { conversationId: theirConversation, role: "USER", content: "secret", contentHash: "h2", position: 0 } })).id;
});
afterAll(() => db?.close());

describe("viewerClient", () => {
  it("finds, counts and aggregates only the viewer's rows, directly owned or through a parent", async () => {
    const client = viewerClient(db.prisma, mine);
    expect((await client.conversation.findMany({ select: { title: true } })).map((c) => c.title)).toEqual(["mine"]);
    expect(await client.conversation.findUnique({ where: { id: theirConversation } })).toBeNull();
    expect(await client.conversation.findFirst({ where: { OR: [{ id: theirConversation }, { title: "theirs" }] } })).toBeNull();
    expect(await client.message.count()).toBe(1);
    expect(await client.message.findUnique({ where: { id: theirMessage } })).toBeNull();
    expect((await client.message.aggregate({ _count: { _all: true } }))._count._all).toBe(1);
    await expect(client.conversation.findUniqueOrThrow({ where: { id: theirConversation } })).rejects.toThrow();
    // The user model: the viewer alone.
    expect((await client.user.findMany({ select: { id: true } })).map((u) => u.id)).toEqual([mine]);
  });

  it("updates and deletes nothing of anyone else's, and leaves their rows as they were", async () => {
    const client = viewerClient(db.prisma, mine);
    expect((await client.conversation.updateMany({ data: { title: "taken" } })).count).toBe(1);
    await expect(client.conversation.update({ where: { id: theirConversation }, data: { title: "taken" } })).rejects.toThrow();
    expect((await client.message.deleteMany({ where: { id: theirMessage } })).count).toBe(0);
    await expect(client.message.delete({ where: { id: theirMessage } })).rejects.toThrow();
    expect(await db.prisma.conversation.findUniqueOrThrow({ where: { id: theirConversation }, select: { title: true } })).toEqual({ title: "theirs" });
    expect(await db.prisma.message.count({ where: { id: theirMessage } })).toBe(1);
  });

  it("keeps the caller's arguments as they were, and the filter inside the viewer's transactions", async () => {
    const client = viewerClient(db.prisma, theirs);
    const args = { where: { title: { not: "nothing" } }, select: { id: true } };
    const copy = structuredClone(args);
    expect(await client.conversation.findMany(args)).toEqual([{ id: theirConversation }]);
    expect(args).toEqual(copy);
    expect(await client.$transaction(async (tx) => tx.conversation.count())).toBe(1);
  });

  it("refuses the server's own tables", async () => {
    const client = viewerClient(db.prisma, mine);
    await expect(client.backgroundJob.count()).rejects.toThrow(/server's own table/);
  });

  it("queues a job of the viewer's own inside the viewer's transaction, and no other", async () => {
    const client = viewerClient(db.prisma, mine);
    const job = (userId: string) => ({ data: { kind: "embed_messages", userId, conversationId: myConversation, payload: { messageIds: [] }, items: 0 }, select: { id: true } });
    const queued = await client.$transaction(async (tx) => tx.backgroundJob.create(job(mine)));
    await expect(client.backgroundJob.create(job(theirs))).rejects.toThrow(/server's own table/);
    await expect(client.backgroundJob.deleteMany({})).rejects.toThrow(/server's own table/);
    await expect(client.backgroundJob.update({ where: { id: queued.id }, data: { items: 1 } })).rejects.toThrow(/server's own table/);
    expect(await db.prisma.backgroundJob.findMany({ select: { userId: true } })).toEqual([{ userId: mine }]);
    await db.prisma.backgroundJob.deleteMany({});
  });
});

describe("ownedQuery", () => {
  it("binds the viewer where owner() stands, and refuses a statement without it", async () => {
    const rows = await ownedQuery(db.prisma, mine)<{ id: string }>`SELECT c.id FROM conversations c WHERE ${owner("c")} ORDER BY c.id`;
    expect(rows).toEqual([{ id: myConversation }]);
    expect(await ownedQuery(db.prisma, mine)`SELECT id FROM conversations WHERE id = ${theirConversation} AND ${owner()}`).toEqual([]);
    expect(() => ownedQuery(db.prisma, mine)`SELECT id FROM conversations WHERE id = ${theirConversation}`).toThrow(/must bind the viewer/);
    expect(await ownedExecute(db.prisma, mine)`UPDATE conversations SET title = 'x' WHERE id = ${theirConversation} AND ${owner()}`).toBe(0);
    expect(() => owner("c; DROP TABLE users") && ownedQuery(db.prisma, mine)`SELECT 1 FROM conversations WHERE ${owner("c; DROP TABLE users")}`).toThrow(/alias/);
  });
});

describe("ownedStatement", () => {
  it("binds an owner() nested in fragments as a plain equality on the alias, and refuses a statement without one", async () => {
    const where = Prisma.sql`${owner("c")} AND c.title IS NOT NULL`;
    const statement = ownedStatement(mine, Prisma.sql`SELECT c.id FROM conversations c WHERE ${where}`);
    expect(statement.sql).toBe("SELECT c.id FROM conversations c WHERE c.user_id = ? AND c.title IS NOT NULL");
    expect(await db.prisma.$queryRaw(statement)).toEqual([{ id: myConversation }]);
    expect(() => ownedStatement(mine, Prisma.sql`SELECT id FROM conversations WHERE ${Prisma.sql`id = ${theirConversation}`}`)).toThrow(/must bind the viewer/);
  });
});
