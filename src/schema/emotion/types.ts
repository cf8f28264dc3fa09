// The emotional side of a conversation or memory: contexts, relationship dynamics, mood scores and their deltas,
// delta patterns and turning points.
import { builder } from "../../builder.ts";
import { MoodDirectionEnum } from "../enums.ts";

builder.prismaNode("EmotionalContext", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    memory: t.relation("memory", { nullable: true }),
    message: t.relation("message", { nullable: true }),
    mood: t.exposeString("mood"),
    intensity: t.exposeFloat("intensity", { nullable: true }),
    themes: t.exposeStringList("themes"),
    markers: t.exposeStringList("markers"),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

builder.prismaNode("RelationshipDynamics", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    conversation: t.relation("conversation", { nullable: true }),
    memory: t.relation("memory", { nullable: true }),
    participants: t.exposeStringList("participants"),
    closeness: t.exposeFloat("closeness", { nullable: true }),
    tension: t.exposeFloat("tension", { nullable: true }),
    support: t.exposeFloat("support", { nullable: true }),
    patterns: t.expose("patterns", { type: "JSON", nullable: true }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

builder.prismaNode("MoodScore", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    conversation: t.relation("conversation"),
    message: t.relation("message", { nullable: true }),
    participant: t.exposeString("participant", { nullable: true }),
    score: t.exposeFloat("score"),
    label: t.exposeString("label", { nullable: true }),
    confidence: t.exposeFloat("confidence", { nullable: true }),
    factors: t.expose("factors", { type: "JSON", nullable: true }),
    measuredAt: t.expose("measuredAt", { type: "DateTime" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    delta: t.relation("deltaTo", { nullable: true, description: "The change from this participant's previous score." }),
  }),
});

const MoodDelta = builder.prismaNode("MoodDelta", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    conversation: t.relation("conversation"),
    fromScore: t.relation("fromScore"),
    toScore: t.relation("toScore"),
    delta: t.exposeFloat("delta"),
    magnitude: t.exposeFloat("magnitude"),
    direction: t.expose("direction", { type: MoodDirectionEnum }),
    significance: t.exposeFloat("significance", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.prismaNode("DeltaPattern", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    conversation: t.relation("conversation"),
    patternType: t.exposeString("patternType"),
    description: t.exposeString("description", { nullable: true }),
    confidence: t.exposeFloat("confidence", { nullable: true }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    deltas: t.field({
      type: [MoodDelta],
      select: (_args, _context, nestedSelection) => ({
        members: { select: { delta: nestedSelection(true) }, orderBy: { delta: { createdAt: "asc" } } },
      }),
      resolve: (pattern) => pattern.members.map((member) => member.delta),
    }),
  }),
});

builder.prismaNode("TurningPoint", {
  id: { field: "id" },
  nullable: true,
  fields: (t) => ({
    conversation: t.relation("conversation"),
    message: t.relation("message", { nullable: true }),
    type: t.exposeString("type"),
    magnitude: t.exposeFloat("magnitude"),
    description: t.exposeString("description", { nullable: true }),
    occurredAt: t.expose("occurredAt", { type: "DateTime" }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});
