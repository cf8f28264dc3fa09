// Raw SQL for the emotion domain: finding a new
// score's neighbours in its series, and the mood timeline aggregate. Tagged templates only; every
// statement is limited to the viewer's rows.
import { Prisma } from "../../generated/prisma/client.ts";
import type { PrismaClient } from "../../db/database.ts";
import { ownedQuery, owner } from "../../auth/viewer-client.ts";

type Sql = Pick<PrismaClient, "$queryRaw">;

export interface MoodNeighbour {
  id: string;
  score: number;
}

/**
 * The scores of one participant's series (null participant: the unattributed series) just before and
 * just after `at`. A score measured at the same instant as an existing one goes after it.
 */
export async function moodNeighbours(
  db: Sql,
  userId: string,
  conversationId: string,
  participant: string | null,
  at: Date,
): Promise<{ previous: MoodNeighbour | null; next: MoodNeighbour | null }> {
  // Equality rather than IS NOT DISTINCT FROM, so the (conversation_id, participant, measured_at) index applies.
  const series = participant === null ? Prisma.sql`s.participant IS NULL` : Prisma.sql`s.participant = ${participant}`;
  const rows = await ownedQuery(db, userId)<{ id: string; score: number; side: "previous" | "next" }>`
    (SELECT s.id, s.score::float8 AS score, 'previous' AS side
       FROM mood_scores s
       JOIN conversations c ON c.id = s.conversation_id
      WHERE ${owner("c")} AND s.conversation_id = ${conversationId} AND ${series}
        AND s.measured_at <= ${at}
      ORDER BY s.measured_at DESC, s.created_at DESC, s.id DESC
      LIMIT 1)
    UNION ALL
    (SELECT s.id, s.score::float8 AS score, 'next' AS side
       FROM mood_scores s
       JOIN conversations c ON c.id = s.conversation_id
      WHERE ${owner("c")} AND s.conversation_id = ${conversationId} AND ${series}
        AND s.measured_at > ${at}
      ORDER BY s.measured_at ASC, s.created_at ASC, s.id ASC
      LIMIT 1)`;
  const pick = (side: "previous" | "next") => {
    const row = rows.find((r) => r.side === side);
    return row ? { id: row.id, score: Number(row.score) } : null;
  };
  return { previous: pick("previous"), next: pick("next") };
}

/** Bucket widths the timeline offers: a date_trunc field and the interval one bucket spans. */
export const MOOD_BUCKETS = {
  MINUTE: { field: "minute", width: "1 minute" },
  HOUR: { field: "hour", width: "1 hour" },
  DAY: { field: "day", width: "1 day" },
  WEEK: { field: "week", width: "7 days" },
} as const;
export type MoodBucketName = keyof typeof MOOD_BUCKETS;

export interface MoodTimelineRow {
  start: Date;
  end: Date;
  participant: string | null;
  averageScore: number;
  minScore: number;
  maxScore: number;
  count: number;
  /** averageScore minus that of the same participant's previous non-empty bucket; null for the first. */
  delta: number | null;
}

/**
 * Mood scores of one of the viewer's conversations averaged per UTC time bucket (weeks start on
 * Monday), per participant (or only the one asked for), in time order. Empty for a conversation that
 * is not the viewer's.
 */
export async function moodTimeline(
  db: Sql,
  userId: string,
  conversationId: string,
  { bucket, participant }: { bucket: MoodBucketName; participant?: string | null },
): Promise<MoodTimelineRow[]> {
  const { field, width } = MOOD_BUCKETS[bucket];
  const onlyParticipant = participant == null ? Prisma.empty : Prisma.sql`AND s.participant = ${participant}`;
  // GROUP BY 1: the bucket expression holds a parameter, and a repeated parameter would not match it.
  const rows = await ownedQuery(db, userId)<{
    start: Date;
    end: Date;
    participant: string | null;
    average: number;
    min: number;
    max: number;
    count: number;
    delta: number | null;
  }>`
    WITH buckets AS (
      SELECT date_trunc(${field}::text, s.measured_at) AS start,
             s.participant,
             avg(s.score)::float8 AS average,
             min(s.score)::float8 AS min,
             max(s.score)::float8 AS max,
             count(*)::int AS count
        FROM mood_scores s
        JOIN conversations c ON c.id = s.conversation_id
       WHERE ${owner("c")} AND s.conversation_id = ${conversationId} ${onlyParticipant}
       GROUP BY 1, 2
    )
    SELECT start,
           start + ${width}::interval AS "end",
           participant,
           average,
           min,
           max,
           count,
           average - lag(average) OVER (PARTITION BY participant ORDER BY start) AS delta
      FROM buckets
     ORDER BY start ASC, participant ASC NULLS LAST`;
  return rows.map((row) => ({
    start: new Date(row.start),
    end: new Date(row.end),
    participant: row.participant,
    averageScore: Number(row.average),
    minScore: Number(row.min),
    maxScore: Number(row.max),
    count: Number(row.count),
    delta: row.delta === null ? null : Number(row.delta),
  }));
}
