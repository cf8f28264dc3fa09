import pgvector from "pgvector";
import { moodChange } from "../../schema/emotion/mood-change.ts";
import { minutesAfter, setMemoryEmbeddings, thread, withMessages, type Seed } from "./shared.ts";

// Demo data, seed 000: chat export and emotional analysis.

export async function seedChatImport(seed: Seed) {
  const { tx, userId, hoursAgo } = seed;
  const chatStart = hoursAgo(72);
  const conversation = await tx.conversation.create({
    data: {
      userId,
      title: "WhatsApp chat with Maya",
      status: "COMPLETED",
      startedAt: chatStart,
      endedAt: minutesAfter(chatStart, 42),
      createdAt: hoursAgo(60),
      metadata: { source: "whatsapp-export", file: "WhatsApp Chat with Maya.txt", participants: ["Maya", "Jonah"] },
      messages: {
        create: thread(chatStart, 7, [
          { role: "USER", sender: "Maya", content: "Did you see the flat I sent? https://www.idealista.pt/imovel/33412345/ Two bedrooms, right by Jardim da Estrela." },
          { role: "USER", sender: "Jonah", content: "I did. It's lovely, but the rent is way over what we agreed." },
          { role: "USER", sender: "Maya", content: "I know. I'm just tired of looking, honestly. Third weekend in a row." },
          { role: "USER", sender: "Jonah", content: "Sorry, that came out harsh. What if we widen the search to Campo de Ourique? https://www.imovirtual.com/arrendar/apartamento/campo-de-ourique/" },
          {
            role: "USER",
            sender: "Maya",
            content: "OK, that actually helps. Photos from the one on Rua Saraiva de Carvalho:",
            assets: [{ type: "image", filename: "IMG-20250614-WA0007.jpg", mimeType: "image/jpeg", sizeBytes: 284_133, metadata: { width: 1600, height: 1200 } }],
          },
          { role: "USER", sender: "Jonah", content: "That kitchen! Let's book a viewing for Saturday." },
          { role: "USER", sender: "Maya", content: "Booked for 11:00. Thank you for not giving up on this 💛" },
        ]),
      },
    },
    include: withMessages,
  });
  const message = conversation.messages; // message[i] is position i + 1
  await tx.emotionalContext.create({
    data: { messageId: message[2].id, mood: "frustrated", intensity: 0.6, themes: ["fatigue", "housing"], markers: ["tired of looking", "third weekend"] },
  });

  // Mood per participant over the chat, then the change between each participant's consecutive scores.
  const readings = [
    { at: 0, participant: "Maya", score: 0.3, label: "hopeful" },
    { at: 1, participant: "Jonah", score: 0.0, label: "cautious" },
    { at: 2, participant: "Maya", score: -0.35, label: "frustrated" },
    { at: 3, participant: "Jonah", score: 0.02, label: "apologetic" },
    { at: 4, participant: "Maya", score: 0.4, label: "relieved" },
    { at: 5, participant: "Jonah", score: 0.6, label: "excited" },
    { at: 6, participant: "Maya", score: 0.75, label: "grateful" },
  ];
  const scores = [];
  for (const { at, ...reading } of readings) {
    scores.push(
      await tx.moodScore.create({
        data: { ...reading, conversationId: conversation.id, messageId: message[at].id, measuredAt: message[at].timestamp, confidence: 0.8, factors: { lexicon: 0.6, emoji: at === 6 ? 0.3 : 0 } },
      }),
    );
  }
  const deltas = [];
  for (const participant of ["Maya", "Jonah"]) {
    const own = scores.filter((s) => s.participant === participant);
    for (let i = 1; i < own.length; i++) {
      deltas.push(
        await tx.moodDelta.create({
          data: { conversationId: conversation.id, fromScoreId: own[i - 1].id, toScoreId: own[i].id, ...moodChange(own[i - 1].score, own[i].score) },
        }),
      );
    }
  }
  // Maya's dip and recovery: her first two deltas.
  await tx.deltaPattern.create({
    data: {
      conversationId: conversation.id,
      patternType: "v_recovery",
      description: "Maya's mood dropped over search fatigue and recovered after Jonah's new suggestion.",
      confidence: 0.82,
      members: { create: deltas.slice(0, 2).map((d) => ({ deltaId: d.id })) },
    },
  });
  await tx.turningPoint.create({
    data: {
      conversationId: conversation.id,
      messageId: message[3].id,
      type: "reconciliation",
      magnitude: 0.75,
      description: "Jonah apologises and proposes widening the search; the tone turns cooperative.",
      occurredAt: message[3].timestamp,
    },
  });

  const memoryBase = { userId, conversationId: conversation.id, participants: ["Maya", "Jonah"], createdAt: hoursAgo(60) };
  const flatHunt = await tx.memory.create({
    data: {
      ...memoryBase,
      content: "Maya and Jonah are looking for a two-bedroom flat in Lisbon; the rent they agreed on rules out Estrela.",
      summary: "Flat hunting in Lisbon on a fixed budget",
      kind: "fact",
      importance: 0.7,
      confidence: 0.9,
      sourceMessageIds: [message[0].id, message[1].id],
      tags: ["lisbon", "housing"],
      emotionalContext: { create: { mood: "hopeful", intensity: 0.4, themes: ["housing", "budget"], markers: ["lovely", "way over"] } },
      validationStatus: {
        create: {
          status: "VALID",
          results: {
            create: [
              { rule: "has_participants", passed: true, severity: "INFO", message: "2 participants" },
              { rule: "source_messages_exist", passed: true, severity: "INFO" },
            ],
          },
        },
      },
      qualityMetrics: { create: { overall: 0.86, completeness: 0.8, accuracy: 0.92, relevance: 0.85, clarity: 0.88, dimensions: { specificity: 0.7 } } },
    },
  });
  const viewing = await tx.memory.create({
    data: {
      ...memoryBase,
      content: "After a tense moment over the rent, Jonah apologised and suggested Campo de Ourique; they booked a viewing for Saturday at 11:00.",
      summary: "Reconciled and booked a flat viewing",
      kind: "event",
      importance: 0.85,
      confidence: 0.85,
      sourceMessageIds: message.slice(2).map((m) => m.id),
      tags: ["lisbon", "housing", "plans"],
      emotionalContext: { create: { mood: "grateful", intensity: 0.7, themes: ["repair", "partnership"], markers: ["sorry", "thank you", "💛"] } },
      validationStatus: {
        create: {
          status: "NEEDS_REVIEW",
          errors: [{ rule: "absolute_date", message: "'Saturday' is relative to the chat date" }],
          results: {
            create: [
              { rule: "has_participants", passed: true, severity: "INFO", message: "2 participants" },
              { rule: "absolute_date", passed: false, severity: "WARNING", message: "'Saturday' is relative to the chat date" },
            ],
          },
        },
      },
      qualityMetrics: { create: { overall: 0.78, completeness: 0.9, accuracy: 0.8, relevance: 0.9, clarity: 0.7, dimensions: { temporalPrecision: 0.4 } } },
      relationshipDynamics: {
        create: {
          conversationId: conversation.id,
          participants: ["Maya", "Jonah"],
          closeness: 0.78,
          tension: 0.35,
          support: 0.82,
          patterns: { repairAttempts: 1, repairInitiator: "Jonah", conflictTopic: "rent" },
        },
      },
    },
  });
  // A near-duplicate extracted by a second pass, merged into `viewing` and soft-deleted.
  const duplicate = await tx.memory.create({
    data: {
      ...memoryBase,
      content: "Viewing booked for Saturday 11:00 at the flat on Rua Saraiva de Carvalho.",
      kind: "event",
      importance: 0.6,
      sourceMessageIds: [message[6].id],
      tags: ["lisbon", "housing"],
      deletedAt: hoursAgo(59),
      metadata: { mergedInto: viewing.id },
    },
  });
  await tx.deduplicationRecord.create({
    data: {
      memoryId: viewing.id,
      mergedMemoryIds: [duplicate.id],
      strategy: "embedding_similarity",
      conflicts: [{ field: "content", kept: "Campo de Ourique", merged: "Rua Saraiva de Carvalho", resolution: "kept the broader memory" }],
    },
  });
  const vectors = await setMemoryEmbeddings(seed, [flatHunt, viewing, duplicate]);

  const cluster = await tx.memoryCluster.create({
    data: {
      userId,
      name: "Flat hunting in Lisbon",
      themes: ["housing", "lisbon", "partnership"],
      description: "The search for a shared flat and the moments around it.",
      memberships: { create: [{ memoryId: flatHunt.id, score: 0.91 }, { memoryId: viewing.id, score: 0.87 }] },
    },
  });
  const centroid = normalise(vectors[0].map((value, i) => value + vectors[1][i]));
  await tx.$executeRaw`UPDATE memory_clusters SET centroid = ${pgvector.toSql(centroid)}::vector, centroid_model = ${seed.embedder.model}, centroid_dimensions = ${seed.embedder.dimensions} WHERE id = ${cluster.id}`;

  const analysisStart = hoursAgo(60);
  await tx.analysisMetadata.createMany({
    data: [
      { conversationId: conversation.id, analyzer: "mood-timeline", version: "1.2.0", status: "COMPLETED", config: { window: 1, lexicon: "vader" }, startedAt: analysisStart, completedAt: minutesAfter(analysisStart, 0.4) },
      { memoryId: viewing.id, analyzer: "memory-extractor", version: "0.9.1", status: "COMPLETED", config: { minConfidence: 0.6 }, startedAt: analysisStart, completedAt: minutesAfter(analysisStart, 1.1) },
      { conversationId: conversation.id, analyzer: "relationship-dynamics", version: "0.3.0", status: "FAILED", startedAt: analysisStart, completedAt: minutesAfter(analysisStart, 0.2), error: "participant alias table missing for 'M.'" },
    ],
  });
  seed.log(`seed 000: chat import with ${message.length} messages, 2 links, 1 asset; ${scores.length} mood scores, ${deltas.length} deltas, 3 memories (1 merged), 1 cluster`);
}

function normalise(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return vector.map((value) => value / norm);
}
