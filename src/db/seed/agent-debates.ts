import type { Prisma } from "../../generated/prisma/client.ts";
import { thread, type MessageSpec, type Seed } from "./shared.ts";

// Demo data, seed 002: agent debates over content.

const agents = {
  financial_analyst: "Financial Analyst",
  market_context: "Market Context Agent",
  risk_challenger: "Risk Challenger",
} as const;

function agentMessage(agentType: keyof typeof agents, content: string, confidence: number, citedSources: string[], signalReferences: string[]): MessageSpec {
  return { role: "ASSISTANT", agentType, agentName: agents[agentType], content, confidence, citedSources, signalReferences };
}

export async function seedAgentDebates(seed: Seed) {
  const { tx, hoursAgo } = seed;
  // Seed 002's own users, keyed by their Clerk ids.
  const clerkUsers = [
    { externalId: "user_test_123", email: "test@example.com", name: "Test User", firstName: "Test", lastName: "User" },
    { externalId: "user_test_456", email: "analyst@example.com", name: "Dana Whitfield", firstName: "Dana", lastName: "Whitfield" },
  ];
  const ids: string[] = [];
  for (const { externalId, ...profile } of clerkUsers) {
    const user = await tx.user.upsert({ where: { externalId }, create: { externalId, ...profile }, update: {} });
    ids.push(user.id);
  }

  const debates: { userId: string; data: Omit<Prisma.ConversationUncheckedCreateInput, "userId">; messages: MessageSpec[] }[] = [
    {
      userId: ids[0],
      data: {
        title: "Sample Financial Analysis",
        contentType: "text",
        contentTitle: "Sample Financial Analysis",
        contentBody: "Utilities have outperformed the S&P 500 for four straight weeks while lumber lags gold. Historically this combination has preceded higher volatility.",
        contentUrl: "https://example.com/research/sample-financial-analysis",
        contentAuthor: "Threadline Research Desk",
        contentPublishedAt: hoursAgo(30),
        contentMetadata: { wordCount: 24, source: "seed 002" },
        status: "COMPLETED",
        consensusReached: true,
        finalRecommendation: "Moderate bullish outlook based on signal analysis",
        confidenceScore: 0.75,
        startedAt: hoursAgo(28),
        completedAt: hoursAgo(27.8),
      },
      messages: [
        agentMessage("financial_analyst", "Based on current Gayed signals, defensive positioning suggests caution in the near term, but the trend remains intact.", 0.8, ["Utilities/SPY Ratio"], ["defensive_signal"]),
        agentMessage("market_context", "Current market conditions show easing inflation and a steady labour market, which supports a moderately bullish stance.", 0.7, ["Federal Reserve Data"], ["market_context"]),
        agentMessage("risk_challenger", "The lumber/gold ratio argues for hedging: size positions modestly and keep a stop below the 200-day average.", 0.65, ["Lumber/Gold Ratio", "CBOE VIX"], ["risk_off_signal"]),
      ],
    },
    {
      userId: ids[0],
      data: {
        title: "Treasury yields and the lumber/gold ratio",
        contentType: "url",
        contentTitle: "Why the lumber/gold ratio still matters",
        contentBody: "An article arguing that the lumber/gold ratio leads 10-year Treasury yields by several weeks.",
        contentUrl: "https://example.com/articles/lumber-gold-ratio",
        contentAuthor: "M. Gayed",
        contentPublishedAt: hoursAgo(80),
        status: "ACTIVE",
        startedAt: hoursAgo(1),
      },
      messages: [
        agentMessage("financial_analyst", "The ratio turned down three weeks ago; if the lead holds, 10-year yields should soften by next month.", 0.6, ["Lumber/Gold Ratio", "10Y Treasury Yield"], ["yield_signal"]),
        agentMessage("market_context", "Supply disruptions in lumber distort the ratio this year, so its lead may be weaker than usual.", 0.55, ["USDA Lumber Report"], ["market_context"]),
      ],
    },
    {
      userId: ids[1],
      data: {
        title: "Utilities after the earnings season",
        contentType: "text",
        contentTitle: "Q3 utilities earnings summary",
        contentBody: "Regulated utilities beat earnings estimates by 4% on average; guidance was unchanged.",
        contentAuthor: "Dana Whitfield",
        contentPublishedAt: hoursAgo(120),
        status: "COMPLETED",
        consensusReached: false,
        finalRecommendation: "No consensus: the analyst sees value, the risk challenger sees crowded positioning.",
        confidenceScore: 0.42,
        startedAt: hoursAgo(118),
        completedAt: hoursAgo(117.7),
      },
      messages: [
        agentMessage("financial_analyst", "Earnings beats with unchanged guidance make utilities look fairly valued, not expensive.", 0.7, ["Company filings"], ["valuation_signal"]),
        agentMessage("risk_challenger", "Utilities are the most crowded defensive trade this quarter; a rotation out could be sharp.", 0.6, ["Fund flow data"], ["crowding_signal"]),
      ],
    },
    {
      userId: seed.userId,
      data: {
        title: "Small caps and a steepening curve",
        contentType: "text",
        contentTitle: "Curve steepening and small-cap leadership",
        contentBody: "The 2s10s spread has turned positive for the first time in two years; small caps rallied 6% in a month.",
        contentUrl: "https://example.com/notes/curve-steepening",
        contentAuthor: "Local User",
        contentPublishedAt: hoursAgo(10),
        status: "COMPLETED",
        consensusReached: true,
        finalRecommendation: "Tilt modestly toward small caps while the curve keeps steepening; review in four weeks.",
        confidenceScore: 0.68,
        startedAt: hoursAgo(9),
        completedAt: hoursAgo(8.9),
      },
      messages: [
        agentMessage("financial_analyst", "A positive 2s10s spread has historically favoured small caps over the following quarter.", 0.72, ["2s10s Treasury Spread"], ["offensive_signal"]),
        agentMessage("market_context", "Credit spreads are tight and bank lending is recovering, consistent with early-cycle leadership.", 0.66, ["Federal Reserve Senior Loan Officer Survey"], ["market_context"]),
        agentMessage("risk_challenger", "A steepening driven by term premium rather than growth would hurt small caps; keep the tilt small.", 0.6, ["ACM Term Premium"], ["risk_off_signal"]),
      ],
    },
  ];

  for (const debate of debates) {
    const startedAt = debate.data.startedAt as Date;
    await tx.conversation.create({
      data: { ...debate.data, userId: debate.userId, createdAt: startedAt, messages: { create: thread(startedAt, 1, debate.messages) } },
    });
  }
  seed.log(`seed 002: users ${clerkUsers.map((u) => u.externalId).join(", ")}; ${debates.length} agent conversations (one for the local user)`);
}
