// The records of a Threadline export, in the order exportViewer writes them (one section after
// another). Shared by the server's export and the `threadline` importer, so the two cannot drift.
export const EXPORT_RECORDS = [
  "user",
  "conversation",
  "message",
  "action",
  "preview",
  "memory",
  "emotionalContext",
  "relationshipDynamics",
  "moodScore",
  "turningPoint",
  "deltaPattern",
  "validationStatus",
  "qualityMetrics",
  "analysis",
  "deduplicationRecord",
  "cluster",
  "chunk",
  "epic",
] as const;

export type ExportRecord = (typeof EXPORT_RECORDS)[number];
