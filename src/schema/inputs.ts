// Inputs shared by several domains, and the checks every write applies to them.
import { builder } from "../builder.ts";
import { badInput } from "../errors.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Embedder } from "../search/embedders/index.ts";

/** What an input type's `fields` callback is given: for field lists shared by two input types (create and update). */
export type InputFieldBuilder = Parameters<Parameters<typeof builder.inputType>[1]["fields"]>[0];

export const DateTimeRange = builder.inputType("DateTimeRange", {
  description: "An inclusive time range; either end may be left open.",
  fields: (t) => ({
    from: t.field({ type: "DateTime", required: false }),
    to: t.field({ type: "DateTime", required: false }),
  }),
});

export function dateRange(range: { from?: Date | null; to?: Date | null } | null | undefined, field: string) {
  if (!range) return undefined;
  if (range.from && range.to && range.from > range.to) throw badInput(`${field}.from must not be after ${field}.to`, field);
  return { ...(range.from ? { gte: range.from } : {}), ...(range.to ? { lte: range.to } : {}) };
}

/** What is wrong with a number that must be finite and within [min, max], if anything. */
export const rangeProblem = (value: number, min: number, max: number): string | undefined =>
  !Number.isFinite(value) || value < min || value > max ? `must be between ${min} and ${max}, got ${value}` : undefined;

/** A list a write takes holds at most this many items unless its field says otherwise. */
export const MAX_LIST = 200;

/** The embedder's vectors for texts a client sent; its failure is the client's BAD_USER_INPUT on `field`. */
export async function embedInput(embedder: Embedder, texts: string[], field: string): Promise<number[][]> {
  if (texts.length === 0) return [];
  try {
    return await embedder.embed(texts);
  } catch (error) {
    throw badInput(`${field} cannot be embedded: ${error instanceof Error ? error.message : String(error)}`, field);
  }
}

/**
 * What PostgreSQL can really hold, checked up front: a btree index row is at most ~2.7 KB (so an
 * indexed text column takes at most INDEXED_TEXT_BYTES), a tsvector at most 1 MB (so searchable
 * text at most MAX_TEXT_BYTES).
 */
export const INDEXED_TEXT_BYTES = 2_000;
export const MAX_TEXT_BYTES = 1_000_000;

export interface TextRules {
  /** Characters; 100,000 unless given. */
  maxLength?: number;
  /** Whether "" and blanks are accepted. */
  allowEmpty?: boolean;
  /** A column with a btree index: at most INDEXED_TEXT_BYTES. */
  indexed?: boolean;
}

/** What is wrong with a text, if anything ("must not be empty", …), to follow the field's name. */
export function textProblem(value: string, { maxLength = 100_000, allowEmpty = false, indexed = false }: TextRules = {}): string | undefined {
  if (!allowEmpty && value.trim() === "") return "must not be empty";
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  const maxBytes = indexed ? INDEXED_TEXT_BYTES : MAX_TEXT_BYTES;
  if (value.length * 3 > maxBytes && Buffer.byteLength(value) > maxBytes) return `must be at most ${maxBytes} bytes in UTF-8`;
  return undefined;
}

/**
 * Substring filters (`contains`, a conversation's `title`) take at most this many characters: finding a
 * pattern in a text costs up to (pattern length × text length) comparisons, and the embedded database
 * cannot cancel a statement (docs/design/hardening.md, "Substring filters").
 */
export const MAX_PATTERN_LENGTH = 100;

/** Text filters (`contains`, `matches`) consider at most this many matching rows of the viewer's (docs/API.md). */
export const MAX_TEXT_MATCHES = 10_000;

/** Prisma distinguishes "leave unchanged" (undefined) from "clear" (null) only for nullable columns. */
export const unlessNull = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);

/** A JSON argument for Prisma: absent stays absent, an explicit null clears the column. */
export function jsonInput(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull | undefined {
  if (value === undefined) return undefined;
  if (value === null) return Prisma.DbNull;
  return value as Prisma.InputJsonValue;
}

/** Orderings as given (default when none), each naming one field, then the id so pages are stable. */
export function orderWithTieBreak<O extends object>(orders: readonly O[] | null | undefined, fallback: O): (O | { id: "asc" })[] {
  const list = orders?.length ? orders : [fallback];
  list.forEach((order, i) => {
    const fields = Object.keys(order).filter((key) => (order as Record<string, unknown>)[key] != null);
    if (fields.length !== 1) throw badInput(`orderBy[${i}] must name exactly one field`, "orderBy");
  });
  return [...list, { id: "asc" }];
}
