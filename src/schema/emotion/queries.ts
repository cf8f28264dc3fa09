// Reading a conversation's emotional arc: the mood timeline (averaged per time bucket) and its
// turning points. A conversation that is not the viewer's reads as empty, as other reads do.
import { builder } from "../../builder.ts";
import { text } from "../constraints.ts";
import { decodeId } from "../ids.ts";
import { MOOD_BUCKETS, moodTimeline, type MoodBucketName, type MoodTimelineRow } from "./sql.ts";

const MoodBucketEnum = builder.enumType("MoodBucket", {
  description: "The width of a mood timeline bucket, in UTC; weeks start on Monday.",
  values: Object.keys(MOOD_BUCKETS) as MoodBucketName[],
});

const MoodTimelineBucket = builder.objectRef<MoodTimelineRow>("MoodTimelineBucket").implement({
  description: "The mood scores of one participant (or of the unattributed series) within one time bucket.",
  fields: (t) => ({
    start: t.expose("start", { type: "DateTime", description: "Inclusive." }),
    end: t.expose("end", { type: "DateTime", description: "Exclusive." }),
    participant: t.exposeString("participant", { nullable: true }),
    averageScore: t.exposeFloat("averageScore"),
    minScore: t.exposeFloat("minScore"),
    maxScore: t.exposeFloat("maxScore"),
    count: t.exposeInt("count", { description: "How many scores the bucket holds (never 0: empty buckets are left out)." }),
    delta: t.exposeFloat("delta", {
      nullable: true,
      description: "averageScore minus that of the same participant's previous non-empty bucket; null for the first.",
    }),
  }),
});

builder.queryField("moodTimeline", (t) =>
  t.field({
    type: [MoodTimelineBucket],
    description:
      "Mood scores of one of the viewer's conversations averaged per time bucket, in time order: one series per participant, or only the participant asked for. Empty for a conversation that is not the viewer's.",
    args: {
      conversationId: t.arg.id({ required: true }),
      participant: t.arg.string({ validate: text({ maxLength: 200 }) }),
      bucket: t.arg({ type: MoodBucketEnum, defaultValue: "HOUR" }),
    },
    resolve: (_root, args, context) =>
      moodTimeline(context.prisma, context.viewer.id, decodeId(args.conversationId, "Conversation", "conversationId"), {
        bucket: args.bucket ?? "HOUR",
        participant: args.participant,
      }),
  }),
);

builder.queryField("turningPoints", (t) =>
  t.prismaField({
    type: ["TurningPoint"],
    description: "The significant emotional moments of one of the viewer's conversations, in time order. Empty for a conversation that is not the viewer's.",
    args: {
      conversationId: t.arg.id({ required: true }),
      minMagnitude: t.arg.float({ description: "Only moments at least this significant." }),
    },
    resolve: (query, _root, args, context) =>
      context.db.turningPoint.findMany({
        ...query,
        where: {
          conversationId: decodeId(args.conversationId, "Conversation", "conversationId"),
          ...(args.minMagnitude == null ? {} : { magnitude: { gte: args.minMagnitude } }),
        },
        orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
      }),
  }),
);
