// Writing long-term memories: create, update, soft or hard delete, restore, merge, and
// recording access. Embeddings are given by the client (with their model) or computed by the server.
import { builder } from "../../builder.ts";
import { badInput, notFound } from "../../errors.ts";
import type { Context } from "../../context.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { retryingTransaction } from "../../db/transaction.ts";
import { checkVector } from "../../search/vectors.ts";
import { checkModelSize } from "../../search/stored.ts";
import { ownedNodeKeys } from "../../auth/node-access.ts";
import { decodeId, requireOwned } from "../ids.ts";
import { MAX_LIST, embedInput, jsonInput, unlessNull, type InputFieldBuilder } from "../inputs.ts";
import { list, range, text } from "../constraints.ts";
import { setMemoryEmbedding } from "./sql.ts";
import { ownedQuery, owner } from "../../auth/viewer-client.ts";

const memoryFields = (t: InputFieldBuilder) => ({
  externalId: t.string({ description: "The source system's id for the memory; unique among your memories (CONFLICT otherwise).", validate: text({ maxLength: 500 }) }),
  content: t.string({ validate: text({ maxLength: 100_000 }) }),
  summary: t.string({ validate: text({ maxLength: 10_000, allowEmpty: true }) }),
  kind: t.string({ description: "fact, preference, episode, … (free text; default fact)", validate: text({ maxLength: 100 }) }),
  importance: t.float({
    validate: range(-Number.MAX_VALUE, Number.MAX_VALUE),
    description:
      "How much the memory matters; any finite number, higher first when sorting (default 0). Threadline's own convention is 0 to 1; " +
      "a source system's own scale (1–10, -1 to 1, …) is kept as given.",
  }),
  confidence: t.float({ description: "0 to 1.", validate: range(0, 1) }),
  participants: t.stringList({ validate: list() }),
  sourceMessageIds: t.idList({ description: "Messages of the viewer's this memory came from.", validate: list() }),
  tags: t.stringList({ validate: list() }),
  conversationId: t.id({ description: "The conversation (a memory session, say) it belongs to." }),
  embedding: t.floatList({ description: "Your own embedding; without one the server's embedder computes it from the content." }),
  model: t.string({ description: "The model that produced `embedding` (required with it)." }),
  metadata: t.field({ type: "JSON" }),
  accessCount: t.int({ description: "How often it was read, carried over from the source system (recordMemoryAccess counts from here).", validate: range(0, 2_147_483_647) }),
  lastAccessedAt: t.field({ type: "DateTime" }),
  createdAt: t.field({ type: "DateTime", description: "When it was first recorded, to keep an import's history. Defaults to now." }),
});

const CreateMemoryInput = builder.inputType("CreateMemoryInput", { fields: memoryFields });
const UpdateMemoryInput = builder.inputType("UpdateMemoryInput", {
  description: "Fields to change; absent fields stay as they are. Changing the content re-embeds it unless an embedding is given.",
  fields: memoryFields,
});
type MemoryInput = typeof CreateMemoryInput.$inferInput;

/** The message ids as database ids, after checking every one is the viewer's (one query). */
async function ownMessageIds(context: Context, globalIds: readonly string[] | null | undefined, field = "input"): Promise<string[] | undefined> {
  if (!globalIds) return undefined;
  const ids = globalIds.map((id, i) => decodeId(id, "Message", `${field}.sourceMessageIds[${i}]`));
  const owned = await ownedNodeKeys(context, ids.map((id) => ({ typename: "Message", id })));
  const missing = globalIds.filter((_, i) => !owned.has(`Message:${ids[i]}`));
  if (missing.length) throw notFound("Message", missing[0]);
  return ids;
}

/** Conversation ids already checked in this call: a bulk create checks each conversation once. */
type OwnedConversations = Map<string, Promise<string>>;

async function memoryData(context: Context, input: MemoryInput, field = "input", owned: OwnedConversations = new Map()) {
  const conversationId = input.conversationId;
  if (conversationId && !owned.has(conversationId)) owned.set(conversationId, requireOwned(context, "Conversation", conversationId, `${field}.conversationId`));
  // Sizes and ranges were checked against the fields' constraints before the resolver ran.
  return {
    externalId: input.externalId,
    accessCount: unlessNull(input.accessCount),
    lastAccessedAt: input.lastAccessedAt,
    createdAt: unlessNull(input.createdAt),
    content: input.content,
    summary: input.summary,
    kind: unlessNull(input.kind),
    importance: unlessNull(input.importance),
    confidence: input.confidence,
    participants: unlessNull(input.participants && [...input.participants]),
    tags: unlessNull(input.tags && [...input.tags]),
    sourceMessageIds: await ownMessageIds(context, input.sourceMessageIds, field),
    conversationId:
      conversationId === undefined ? undefined : conversationId === null ? null : await owned.get(conversationId)!,
    metadata: jsonInput(input.metadata),
  };
}

/** The vector to store: the client's (checked) or the embedder's for new content; undefined to leave it. */
async function embeddingFor(context: Context, input: MemoryInput, content: string | undefined) {
  if (input.embedding) {
    if (!input.model) throw badInput("input.model is required with an embedding", "input.model");
    checkVector(input.embedding, "input.embedding");
    await checkModelSize(context.prisma, context.embedder, context.viewer.id, input.model, input.embedding.length, "input.embedding");
    return { vector: input.embedding, model: input.model };
  }
  if (content === undefined) return undefined;
  const [vector] = await embedInput(context.embedder, [content], "input.content");
  return { vector, model: context.embedder.model };
}

builder.mutationField("createMemory", (t) =>
  t.prismaField({
    type: "Memory",
    args: { input: t.arg({ type: CreateMemoryInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      if (input.content == null) throw badInput("input.content is required", "input.content");
      const data = await memoryData(context, input);
      const embedding = await embeddingFor(context, input, data.content!);
      const id = await retryingTransaction(context.db, async (tx) => {
        const memory = await tx.memory.create({
          data: { ...data, content: data.content!, userId: context.viewer.id, conversationId: data.conversationId ?? undefined },
          select: { id: true },
        });
        if (embedding) await setMemoryEmbedding(tx, context.viewer.id, memory.id, embedding.vector, embedding.model);
        return memory.id;
      });
      return context.db.memory.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

const MAX_MEMORIES_PER_CALL = 500;

builder.mutationField("createMemories", (t) =>
  t.prismaField({
    type: ["Memory"],
    description:
      `Creates up to ${MAX_MEMORIES_PER_CALL} memories in one transaction, embedded in one batch: a bad one (or an externalId you already use, CONFLICT) ` +
      "stores none. Returned in the order given.",
    args: { inputs: t.arg({ type: [CreateMemoryInput], required: true }) },
    resolve: async (query, _root, { inputs }, context) => {
      if (inputs.length > MAX_MEMORIES_PER_CALL) throw badInput(`at most ${MAX_MEMORIES_PER_CALL} memories per call, got ${inputs.length}`, "inputs");
      const prepared: Awaited<ReturnType<typeof memoryData>>[] = [];
      const owned: OwnedConversations = new Map();
      for (const [i, input] of inputs.entries()) {
        if (input.content == null) throw badInput(`inputs[${i}].content is required`, `inputs[${i}].content`);
        if (input.embedding) {
          if (!input.model) throw badInput(`inputs[${i}].model is required with an embedding`, `inputs[${i}].model`);
          checkVector(input.embedding, `inputs[${i}].embedding`);
        }
        prepared.push(await memoryData(context, input, `inputs[${i}]`, owned));
      }
      // One embedder call for every memory that brings no vector of its own.
      const toEmbed = inputs.flatMap((input, i) => (input.embedding ? [] : [i]));
      const vectors = await embedInput(context.embedder, toEmbed.map((i) => prepared[i].content!), "inputs");
      const embeddings = inputs.map((input) => (input.embedding ? { vector: input.embedding, model: input.model! } : undefined));
      toEmbed.forEach((i, n) => (embeddings[i] = { vector: vectors[n], model: context.embedder.model }));
      const ids = await retryingTransaction(context.db, async (tx) => {
        const created = await tx.memory.createManyAndReturn({
          data: prepared.map((data) => ({ ...data, content: data.content!, userId: context.viewer.id, conversationId: data.conversationId ?? undefined })),
          select: { id: true },
        });
        // createManyAndReturn returns the rows in the order given (one INSERT … RETURNING).
        for (const [i, memory] of created.entries()) await setMemoryEmbedding(tx, context.viewer.id, memory.id, embeddings[i]!.vector, embeddings[i]!.model);
        return created.map((memory) => memory.id);
      });
      const rows = await context.db.memory.findMany({ ...query, where: { id: { in: ids } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id)!);
    },
  }),
);

builder.mutationField("updateMemory", (t) =>
  t.prismaField({
    type: "Memory",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateMemoryInput, required: true }) },
    resolve: async (query, _root, { id, input }, context) => {
      const memoryId = await requireOwned(context, "Memory", id);
      if (input.content === null) throw badInput("input.content cannot be cleared", "input.content");
      const data = await memoryData(context, input);
      const embedding = await embeddingFor(context, input, data.content ?? undefined);
      await retryingTransaction(context.db, async (tx) => {
        await tx.memory.update({ where: { id: memoryId }, data: { ...data, content: data.content ?? undefined } });
        if (embedding) await setMemoryEmbedding(tx, context.viewer.id, memoryId, embedding.vector, embedding.model);
      });
      return context.db.memory.findUniqueOrThrow({ ...query, where: { id: memoryId } });
    },
  }),
);

const DeleteMemoryPayload = builder.objectRef<{ deletedId: string; hard: boolean; memoryId: string | null }>("DeleteMemoryPayload").implement({
  fields: (t) => ({
    deletedId: t.exposeID("deletedId"),
    hard: t.exposeBoolean("hard", { description: "True when the memory is gone for good; false when it can be restored." }),
    memory: t.prismaField({
      type: "Memory",
      nullable: true,
      description: "The soft-deleted memory (null after a hard delete).",
      resolve: (query, payload, _args, context) =>
        payload.memoryId ? context.db.memory.findFirst({ ...query, where: { id: payload.memoryId } }) : null,
    }),
  }),
});

builder.mutationField("deleteMemory", (t) =>
  t.field({
    type: DeleteMemoryPayload,
    description: "Soft delete by default (hidden from lists and search, restorable); `hard: true` removes it and its records.",
    args: { id: t.arg.id({ required: true }), hard: t.arg.boolean({ defaultValue: false }) },
    resolve: async (_root, { id, hard }, context) => {
      const memoryId = await requireOwned(context, "Memory", id);
      if (hard) {
        await context.db.memory.delete({ where: { id: memoryId } });
        return { deletedId: id, hard: true, memoryId: null };
      }
      await context.db.memory.updateMany({ where: { id: memoryId, deletedAt: null }, data: { deletedAt: new Date() } });
      return { deletedId: id, hard: false, memoryId };
    },
  }),
);

builder.mutationField("restoreMemory", (t) =>
  t.prismaField({
    type: "Memory",
    description: "Brings back a soft-deleted memory.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, context) => {
      const memoryId = await requireOwned(context, "Memory", id);
      return context.db.memory.update({ ...query, where: { id: memoryId }, data: { deletedAt: null } });
    },
  }),
);

builder.mutationField("recordMemoryAccess", (t) =>
  t.field({
    type: "Int",
    description: "Counts a read of these memories (accessCount + 1, lastAccessedAt = now). Returns how many were recorded.",
    args: { ids: t.arg.idList({ required: true }) },
    resolve: async (_root, { ids }, context) => {
      if (ids.length > MAX_LIST) throw badInput(`at most ${MAX_LIST} ids`, "ids");
      const memoryIds = ids.map((id, i) => decodeId(id, "Memory", `ids[${i}]`));
      const { count } = await context.db.memory.updateMany({
        where: { id: { in: memoryIds }, deletedAt: null },
        data: { accessCount: { increment: 1 }, lastAccessedAt: new Date() },
      });
      return count;
    },
  }),
);

const MergeMemoriesPayload = builder.objectRef<{ memoryId: string; recordId: string }>("MergeMemoriesPayload").implement({
  fields: (t) => ({
    memory: t.prismaField({
      type: "Memory",
      resolve: (query, payload, _args, context) => context.db.memory.findUniqueOrThrow({ ...query, where: { id: payload.memoryId } }),
    }),
    deduplicationRecord: t.prismaField({
      type: "DeduplicationRecord",
      resolve: (query, payload, _args, context) => context.db.deduplicationRecord.findUniqueOrThrow({ ...query, where: { id: payload.recordId } }),
    }),
  }),
});

const union = (...lists: string[][]) => [...new Set(lists.flat())];

builder.mutationField("mergeMemories", (t) =>
  t.field({
    type: MergeMemoriesPayload,
    description:
      "Folds duplicates into one memory, in one transaction: tags, participants and sources are united, importance is the highest, " +
      "access counts add up, cluster memberships move over, the merged memories are soft-deleted, and a deduplication record " +
      "lists them with the fields on which they disagreed.",
    args: {
      keepId: t.arg.id({ required: true }),
      mergeIds: t.arg.idList({ required: true }),
      strategy: t.arg.string({ defaultValue: "keep_target", description: "Recorded as given, e.g. keep_target, newest, manual." }),
      content: t.arg.string({ description: "New content for the kept memory (re-embedded).", validate: text({ maxLength: 100_000 }) }),
    },
    resolve: async (_root, args, context) => {
      const keepId = await requireOwned(context, "Memory", args.keepId, "keepId");
      if (args.mergeIds.length === 0 || args.mergeIds.length > MAX_LIST) throw badInput(`mergeIds must hold 1 to ${MAX_LIST} ids`, "mergeIds");
      const mergeIds = [...new Set(args.mergeIds.map((id, i) => decodeId(id, "Memory", `mergeIds[${i}]`)))];
      if (mergeIds.includes(keepId)) throw badInput("mergeIds must not include keepId", "mergeIds");
      const content = args.content ?? undefined;
      const embedding = content === undefined ? undefined : await embeddingFor(context, {}, content);
      const all = [keepId, ...mergeIds];

      // Checked and written under row locks taken in one order (by id), so two merges of the same
      // memories (keep A merge B ‖ keep B merge A) run one after the other: the second finds its
      // memories merged away and fails, and nothing is lost.
      const recordId = await retryingTransaction(context.db, async (tx) => {
        await ownedQuery(tx, context.viewer.id)`
          SELECT id FROM memories WHERE id IN (${Prisma.join(all)}) AND ${owner()} ORDER BY id FOR UPDATE`;
        const memories = await tx.memory.findMany({ where: { id: { in: all }, deletedAt: null } });
        const kept = memories.find((m) => m.id === keepId);
        if (!kept) throw badInput("keepId is deleted: restore it first", "keepId");
        const missing = mergeIds.findIndex((id) => !memories.some((m) => m.id === id));
        if (missing >= 0) throw notFound("Memory", encodeGlobalID("Memory", mergeIds[missing]));
        const conflicts: Record<string, unknown[]> = {};
        for (const field of ["content", "summary", "kind"] as const) {
          const values = [...new Set(memories.map((m) => m[field]))];
          if (values.length > 1) conflicts[field] = values;
        }
        await tx.memory.update({
          where: { id: keepId },
          data: {
            content,
            importance: Math.max(...memories.map((m) => m.importance)),
            accessCount: memories.reduce((sum, m) => sum + m.accessCount, 0),
            tags: union(...memories.map((m) => m.tags)),
            participants: union(...memories.map((m) => m.participants)),
            sourceMessageIds: union(...memories.map((m) => m.sourceMessageIds)),
          },
        });
        if (embedding) await setMemoryEmbedding(tx, context.viewer.id, keepId, embedding.vector, embedding.model);
        const memberships = await tx.clusterMembership.findMany({ where: { memoryId: { in: mergeIds } } });
        await tx.clusterMembership.createMany({
          data: memberships.map((m) => ({ memoryId: keepId, clusterId: m.clusterId, score: m.score })),
          skipDuplicates: true,
        });
        await tx.memory.updateMany({ where: { id: { in: mergeIds } }, data: { deletedAt: new Date() } });
        const record = await tx.deduplicationRecord.create({
          data: { memoryId: keepId, mergedMemoryIds: mergeIds, strategy: args.strategy ?? "keep_target", conflicts: conflicts as Prisma.InputJsonValue },
        });
        return record.id;
      });
      return { memoryId: keepId, recordId };
    },
  }),
);

