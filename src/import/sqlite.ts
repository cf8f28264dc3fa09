// The emotional-memory system's SQLite file (Prisma on SQLite: tables named after its models, DateTime
// as epoch milliseconds or text, lists and objects as JSON text) read with sql.js (SQLite compiled to
// WebAssembly: no native module to build or download). One chat conversation of its messages, links and
// assets; memories with their emotional context, relationship dynamics, validation, quality metrics,
// analysis runs, mood scores and turning points; clusters with their members. See docs/IMPORT.md.
import path from "node:path";
import initSqlJs, { type Database, type SqlValue } from "sql.js";
import { ImportFormatError, skip, spanOf, type ImportedConversation, type ImportedMessage } from "./model.ts";

type Row = Record<string, SqlValue>;
type Json = any;

export interface SqliteRecords {
  conversationExternalId: string;
  memories: Json[];
  clusters: Json[];
}

export interface SqliteImport {
  conversation: ImportedConversation;
  records: SqliteRecords;
  skipped: Record<string, number>;
}

const HEADER = "SQLite format 3\u0000";

let engine: ReturnType<typeof initSqlJs> | undefined;

/** A date from what Prisma wrote on SQLite: epoch ms (or seconds), or text ("2025-06-14 09:12:00", ISO). */
export function sqliteDate(value: SqlValue | undefined): Date | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  let date: Date;
  if (typeof value === "number" || typeof value === "bigint" || /^\d+(\.\d+)?$/.test(String(value))) {
    const n = Number(value);
    date = new Date(n > 1e11 ? n : n * 1000);
  } else {
    const text = String(value).trim();
    date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text.replace(" ", "T") : `${text.replace(" ", "T")}Z`);
  }
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A JSON text column, parsed; text that is not JSON is kept as text. */
function json(value: SqlValue | undefined): Json {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** A label out of a list item: a string, or an object's most name-like field. */
function label(item: Json): string | undefined {
  if (item === null || item === undefined) return undefined;
  if (typeof item !== "object") return String(item).slice(0, 200);
  const named = item.name ?? item.theme ?? item.marker ?? item.label ?? item.type ?? item.text ?? item.id ?? item.participant;
  return named === undefined ? JSON.stringify(item).slice(0, 200) : String(named).slice(0, 200);
}

const labels = (value: Json): string[] =>
  [...new Set((Array.isArray(value) ? value : value && typeof value === "object" ? Object.keys(value) : value ? [value] : []).map(label).filter((x): x is string => !!x))].slice(0, 200);

/** A 1–10 (or 0–10) score as 0–1; a value already within 0–1 stays. */
const unit = (value: SqlValue | undefined) => {
  if (value === null || value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) return undefined;
  return Math.min(1, Math.max(0, n > 1 ? n / 10 : n));
};

function tablesOf(db: Database): Set<string> {
  const [result] = db.exec(`SELECT name FROM sqlite_master WHERE type = 'table'`);
  return new Set((result?.values ?? []).map(([name]) => String(name)));
}

/** A table's rows, in order; every 1,000 rows the event loop gets a turn (a server reading an upload keeps serving). */
async function rows(db: Database, tables: Set<string>, table: string, order = "rowid"): Promise<Row[]> {
  if (!tables.has(table)) return [];
  const statement = db.prepare(`SELECT * FROM "${table}" ORDER BY ${order}`);
  const out: Row[] = [];
  try {
    while (statement.step()) {
      out.push(statement.getAsObject());
      if (out.length % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    statement.free();
  }
  return out;
}

function groupBy(list: Row[], column: string): Map<string, Row[]> {
  const map = new Map<string, Row[]>();
  for (const row of list) {
    const key = String(row[column]);
    const group = map.get(key);
    if (group) group.push(row);
    else map.set(key, [row]);
  }
  return map;
}

const iso = (value: SqlValue | undefined) => sqliteDate(value)?.toISOString();

/** Reads a whole SQLite file; a file that is not SQLite, or not this system's, is refused before anything is sent. */
export async function readSqlite(bytes: Uint8Array, file: string, { maxMessages = Infinity } = {}): Promise<SqliteImport> {
  if (bytes.length < 100 || Buffer.from(bytes.subarray(0, 16)).toString("latin1") !== HEADER) {
    throw new ImportFormatError(`${file} is not an SQLite database (no "SQLite format 3" header)`, "NOT_SQLITE");
  }
  engine ??= initSqlJs();
  const SQL = await engine;
  let db: Database;
  try {
    db = new SQL.Database(bytes);
  } catch (error) {
    throw new ImportFormatError(`${file} cannot be opened as SQLite: ${(error as Error).message}`, "NOT_SQLITE");
  }
  try {
    let tables: Set<string>;
    try {
      tables = tablesOf(db);
    } catch (error) {
      throw new ImportFormatError(`${file} is a damaged SQLite file: ${(error as Error).message}`, "NOT_SQLITE");
    }
    if (!tables.has("Message")) throw new ImportFormatError(`${file} has no "Message" table: not the emotional-memory system's database`, "WRONG_SCHEMA");
    if (Number.isFinite(maxMessages)) {
      // Counted before anything is read: a file over the limit costs one count.
      const count = Number(db.exec(`SELECT count(*) FROM "Message"`)[0].values[0][0]);
      if (count > maxMessages) throw new ImportFormatError(`${file} holds ${count} messages, over ${maxMessages}; use the CLI (npm run import) for larger files`, "TOO_MANY_MESSAGES");
    }
    try {
      return await read(db, tables, file);
    } catch (error) {
      if (error instanceof ImportFormatError) throw error;
      const message = (error as Error).message;
      // SQLite's own words for a file that is not (or no longer) a whole database: cut short, damaged.
      if (/malformed|not a database|corrupt/i.test(message)) throw new ImportFormatError(`${file} is a damaged SQLite file: ${message}`, "NOT_SQLITE");
      throw new ImportFormatError(`${file} cannot be read as the emotional-memory system's database: ${message}`, "WRONG_SCHEMA");
    }
  } finally {
    db.close();
  }
}

async function read(db: Database, tables: Set<string>, file: string): Promise<SqliteImport> {
  const skipped: Record<string, number> = {};
  const name = path.basename(file);
  const conversationExternalId = `sqlite:${name}`;
  const links = groupBy(await rows(db, tables, "Link", "id"), "messageId");
  const assets = groupBy(await rows(db, tables, "Asset", "id"), "messageId");
  const messages: ImportedMessage[] = [];
  for (const m of await rows(db, tables, "Message", "id")) {
    const timestamp = sqliteDate(m.timestamp);
    if (!timestamp) {
      skip(skipped, "messages without a readable timestamp");
      continue;
    }
    const content = m.message === null || m.message === undefined ? "" : String(m.message);
    const its = assets.get(String(m.id)) ?? [];
    const urls = (links.get(String(m.id)) ?? []).map((l) => String(l.url));
    if (!content.trim() && its.length === 0 && urls.length === 0) {
      skip(skipped, "messages with no text, asset or link");
      continue;
    }
    messages.push({
      externalId: String(m.id),
      role: "USER",
      sender: m.sender === null ? undefined : String(m.sender),
      content,
      timestamp,
      metadata: { hash: m.hash, senderId: m.senderId ?? undefined, createdAt: iso(m.createdAt), updatedAt: iso(m.updatedAt) },
      assets: its.map((a) => ({ type: a.type ? String(a.type) : "file", filename: String(a.filename), metadata: { sourceId: a.id } })),
      ...(urls.length ? { links: urls } : {}),
    } as ImportedMessage);
  }
  const held = new Set(messages.map((m) => m.externalId));
  const span = spanOf(messages);
  const conversation: ImportedConversation = {
    externalId: conversationExternalId,
    title: name.replace(/\.(db|sqlite3?)$/i, ""),
    startedAt: span.first,
    endedAt: span.last,
    metadata: { source: "sqlite", file: name },
    messages,
  };

  // Memories and what was recorded about each.
  const memoryMessages = groupBy(await rows(db, tables, "_MemoryMessages", "rowid"), "A");
  const byMemory = async (table: string, order?: string) => groupBy(await rows(db, tables, table, order), "memoryId");
  const emotional = await byMemory("EmotionalContext");
  const dynamics = await byMemory("RelationshipDynamics");
  const validation = await byMemory("ValidationStatus");
  const results = await byMemory("ValidationResult", "validatedAt, id");
  const quality = await byMemory("QualityMetrics", "calculatedAt, id");
  const analyses = await byMemory("AnalysisMetadata");
  const scores = await byMemory("MoodScore", "calculatedAt, id");
  const factors = groupBy(await rows(db, tables, "MoodFactor", "createdAt, id"), "moodScoreId");
  const turning = await byMemory("TurningPoint", "timestamp, id");

  const memories = (await rows(db, tables, "Memory", "createdAt, id")).map((m) => {
    const id = String(m.id);
    const fromJson = labels(json(m.sourceMessageIds));
    const linked = (memoryMessages.get(id) ?? []).map((r) => String(r.B));
    const sources = [...new Set([...fromJson, ...linked])];
    const known = sources.filter((x) => held.has(x));
    if (known.length < sources.length) skip(skipped, "memory source messages the file does not hold", sources.length - known.length);
    const anchor = known[0];
    const participants = json(m.participants);
    const memory: Json = {
      externalId: `sqlite:${id}`,
      content: String(m.summary ?? ""),
      summary: m.summary === null ? undefined : String(m.summary),
      confidence: unit(m.confidence),
      participants: labels(participants),
      sourceMessageExternalIds: known,
      createdAt: iso(m.createdAt ?? m.extractedAt),
      metadata: {
        source: "sqlite",
        confidence: m.confidence,
        participants,
        contentHash: m.contentHash,
        extractedAt: iso(m.extractedAt),
        updatedAt: iso(m.updatedAt),
        deduplicationMetadata: json(m.deduplicationMetadata),
        clusteringMetadata: json(m.clusteringMetadata),
        lastClusteredAt: iso(m.lastClusteredAt),
        clusterParticipationCount: m.clusterParticipationCount ?? undefined,
      },
    };
    const [ec] = emotional.get(id) ?? [];
    if (ec) {
      memory.emotionalContext = {
        mood: String(ec.primaryMood),
        intensity: unit(ec.intensity),
        themes: labels(json(ec.themes)),
        markers: labels(json(ec.emotionalMarkers)),
        createdAt: iso(ec.createdAt),
        metadata: {
          intensity: ec.intensity,
          themes: json(ec.themes),
          emotionalMarkers: json(ec.emotionalMarkers),
          contextualEvents: json(ec.contextualEvents),
          temporalPatterns: json(ec.temporalPatterns),
          updatedAt: iso(ec.updatedAt),
        },
      };
    }
    memory.relationshipDynamics = (dynamics.get(id) ?? []).map((d) => {
      const overall = json(d.overallDynamics) ?? {};
      const pick = (...keys: string[]) => unit(keys.map((k) => overall?.[k]).find((v) => typeof v === "number"));
      const participantDynamics = json(d.participantDynamics);
      return {
        participants: labels(participantDynamics).length ? labels(participantDynamics) : labels(participants),
        closeness: pick("closeness", "closenessLevel", "intimacy"),
        tension: pick("tension", "tensionLevel", "conflict", "conflictLevel"),
        support: pick("support", "supportiveness", "supportLevel"),
        patterns: json(d.communicationPatterns),
        createdAt: iso(d.createdAt),
        metadata: { overallDynamics: overall, participantDynamics, interactionQuality: json(d.interactionQuality), updatedAt: iso(d.updatedAt) },
      };
    });
    const [status] = validation.get(id) ?? [];
    const checks = results.get(id) ?? [];
    if (status || checks.length) {
      const state: Record<string, string> = { pending: "PENDING", approved: "VALID", rejected: "INVALID", needs_refinement: "NEEDS_REVIEW" };
      memory.validation = {
        status: status ? state[String(status.status)] ?? "NEEDS_REVIEW" : "PENDING",
        errors: status ? json(status.refinementSuggestions) : undefined,
        resolvedAt: status ? iso(status.validatedAt) : undefined,
        resolvedBy: status?.validator ?? undefined,
        createdAt: iso(status?.createdAt ?? checks[0]?.createdAt),
        metadata: status
          ? {
              status: status.status,
              validationRound: status.validationRound,
              requiresRefinement: Number(status.requiresRefinement) === 1,
              approvalHistory: json(status.approvalHistory),
              updatedAt: iso(status.updatedAt),
            }
          : { status: null, note: "no validation status in the source; its results only" },
        results: checks.map((r) => ({
          rule: `mood_score:${r.validationMethod}`,
          // The source compares a human's mood score with the algorithm's: agreement of at least half passes.
          passed: Number(r.agreement) >= 0.5,
          severity: Number(r.agreement) >= 0.5 ? "INFO" : "WARNING",
          message: r.feedback === null ? undefined : String(r.feedback),
          createdAt: iso(r.validatedAt ?? r.createdAt),
          metadata: {
            humanScore: r.humanScore,
            algorithmScore: r.algorithmScore,
            agreement: r.agreement,
            discrepancy: r.discrepancy,
            validatorId: r.validatorId,
            validationMethod: r.validationMethod,
            biasIndicators: json(r.biasIndicators),
            accuracyMetrics: json(r.accuracyMetrics),
            validatedAt: iso(r.validatedAt),
            createdAt: iso(r.createdAt),
            sourceId: r.id,
          },
        })),
      };
    }
    const measured = quality.get(id) ?? [];
    if (measured.length) {
      // Threadline keeps one quality record a memory: the latest's scores, every measurement in `dimensions.records`.
      const latest = measured[measured.length - 1];
      const dims = json(latest.dimensionalQuality) ?? {};
      const dim = (key: string) => (typeof dims?.[key] === "number" ? unit(dims[key]) : undefined);
      memory.qualityMetrics = {
        overall: unit(latest.overallQuality),
        completeness: dim("completeness"),
        accuracy: dim("accuracy"),
        relevance: dim("relevance"),
        clarity: dim("clarity"),
        createdAt: iso(measured[0].calculatedAt),
        dimensions: {
          ...(dims && typeof dims === "object" && !Array.isArray(dims) ? dims : { dimensionalQuality: dims }),
          records: measured.map((q) => ({
            sourceId: q.id,
            overallQuality: q.overallQuality,
            dimensionalQuality: json(q.dimensionalQuality),
            confidenceAlignment: q.confidenceAlignment,
            validationConsistency: q.validationConsistency,
            evidenceSupport: q.evidenceSupport,
            calculatedAt: iso(q.calculatedAt),
            calculationMethod: q.calculationMethod,
          })),
        },
      };
    }
    memory.analyses = (analyses.get(id) ?? []).map((a) => {
      const done = sqliteDate(a.createdAt);
      return {
        analyzer: "memory-analysis",
        status: "COMPLETED",
        createdAt: done?.toISOString(),
        completedAt: done?.toISOString(),
        startedAt: done && typeof a.processingDuration === "number" ? new Date(done.getTime() - a.processingDuration).toISOString() : undefined,
        config: { confidence: a.confidence, processingDurationMs: a.processingDuration, qualityMetrics: json(a.qualityMetrics), issues: json(a.issues), sourceId: a.id },
      };
    });
    memory.moodScores = (scores.get(id) ?? []).map((s) => {
      const descriptors = json(s.descriptors);
      return {
        // The source scores 0 (lowest) to 10 (highest); Threadline -1 to 1 with 0 neutral.
        score: Math.min(1, Math.max(-1, (Number(s.score) - 5) / 5)),
        measuredAt: iso(s.calculatedAt ?? s.createdAt),
        label: labels(descriptors)[0],
        confidence: unit(s.confidence),
        messageExternalId: anchor,
        factors: {
          memory: `sqlite:${id}`,
          score: s.score,
          scale: "0-10",
          descriptors,
          algorithmVersion: s.algorithmVersion,
          processingTimeMs: s.processingTimeMs,
          factors: (factors.get(String(s.id)) ?? []).map((f) => ({
            type: f.type,
            weight: f.weight,
            description: f.description,
            evidence: json(f.evidence),
            internalScore: f.internalScore ?? undefined,
            createdAt: iso(f.createdAt),
          })),
          sourceId: s.id,
          createdAt: iso(s.createdAt),
          updatedAt: iso(s.updatedAt),
        },
      };
    });
    memory.turningPoints = (turning.get(id) ?? []).map((p) => ({
      type: String(p.type),
      magnitude: unit(p.magnitude) ?? 0,
      occurredAt: iso(p.timestamp),
      description: p.description === null ? undefined : String(p.description),
      messageExternalId: anchor,
      metadata: {
        memory: `sqlite:${id}`,
        magnitude: p.magnitude,
        significance: p.significance,
        factors: json(p.factors),
        temporalContext: json(p.temporalContext),
        deltaId: p.deltaId ?? undefined,
        sourceId: p.id,
        createdAt: iso(p.createdAt),
      },
    }));
    return memory;
  });

  // Clusters: a name per cluster (its theme, made unique), everything else in the metadata.
  const clusterRows = await rows(db, tables, "MemoryCluster", "createdAt, id");
  const memberships = groupBy(await rows(db, tables, "ClusterMembership", "addedAt, id"), "clusterId");
  const patterns = groupBy(await rows(db, tables, "PatternAnalysis", "analyzedAt, id"), "clusterId");
  const clusterQuality = groupBy(await rows(db, tables, "ClusterQualityMetrics"), "clusterId");
  const memoryIds = new Set(memories.map((m) => m.externalId));
  const themeCount = new Map<string, number>();
  for (const c of clusterRows) themeCount.set(String(c.clusterTheme), (themeCount.get(String(c.clusterTheme)) ?? 0) + 1);
  const clusters = clusterRows.map((c) => {
    const key = String(c.clusterId);
    const theme = String(c.clusterTheme);
    const [q] = clusterQuality.get(key) ?? [];
    const members = (memberships.get(key) ?? []).filter((m) => memoryIds.has(`sqlite:${m.memoryId}`));
    return {
      name: themeCount.get(theme)! > 1 ? `${theme} (${key})` : theme,
      themes: [theme, ...(c.emotionalTone ? [String(c.emotionalTone)] : [])],
      createdAt: iso(c.createdAt),
      metadata: {
        clusterId: key,
        emotionalTone: c.emotionalTone,
        coherenceScore: c.coherenceScore,
        psychologicalSignificance: c.psychologicalSignificance,
        participantPatterns: json(c.participantPatterns),
        clusterMetadata: json(c.clusterMetadata),
        memoryCount: c.memoryCount,
        updatedAt: iso(c.updatedAt),
        lastAnalyzedAt: iso(c.lastAnalyzedAt),
        patternAnalyses: (patterns.get(key) ?? []).map((p) => ({
          patternId: p.patternId,
          patternType: p.patternType,
          description: p.description,
          frequency: p.frequency,
          strength: p.strength,
          confidenceLevel: p.confidenceLevel,
          psychologicalIndicators: json(p.psychologicalIndicators),
          emotionalCharacteristics: json(p.emotionalCharacteristics),
          analyzedAt: iso(p.analyzedAt),
        })),
        qualityMetrics: q
          ? {
              overallCoherence: q.overallCoherence,
              emotionalConsistency: q.emotionalConsistency,
              thematicUnity: q.thematicUnity,
              psychologicalMeaningfulness: q.psychologicalMeaningfulness,
              incoherentMemoryCount: q.incoherentMemoryCount,
              strengthAreas: json(q.strengthAreas),
              improvementAreas: json(q.improvementAreas),
              confidenceLevel: q.confidenceLevel,
              assessedAt: iso(q.assessedAt),
            }
          : undefined,
      },
      members: members.map((m) => ({
        memoryExternalId: `sqlite:${m.memoryId}`,
        score: unit(m.membershipStrength),
        addedAt: iso(m.addedAt),
        metadata: { membershipStrength: m.membershipStrength, contributionScore: m.contributionScore, sourceId: m.id },
      })),
    };
  });
  const orphans = [...memberships.values()].flat().length - clusters.reduce((n, c) => n + c.members.length, 0);
  if (orphans > 0) skip(skipped, "cluster memberships of memories the file does not hold", orphans);

  // What Threadline does not keep from such a file, counted.
  const count = (table: string) => (tables.has(table) ? Number(db.exec(`SELECT count(*) FROM "${table}"`)[0].values[0][0]) : 0);
  const notCarried: [string, string][] = [
    ["MoodDelta", "mood deltas (computed again from the mood scores)"],
    ["DeltaPattern", "delta patterns (made of the source's own deltas)"],
    ["DeltaPatternAssociation", "delta pattern members"],
    ["CalibrationHistory", "calibration history (the analyzer's own tuning, not a user's data)"],
  ];
  for (const [table, reason] of notCarried) {
    const n = count(table);
    if (n) skip(skipped, reason, n);
  }
  return { conversation, records: { conversationExternalId, memories, clusters }, skipped };
}
