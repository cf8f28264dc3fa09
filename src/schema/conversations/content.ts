// What Threadline derives from a message: its content hash, its fingerprint (what makes it the same
// message) and the links in its text.
import { createHash } from "node:crypto";

/** Unicode-normalised, trimmed, whitespace runs collapsed: re-sent or re-exported text hashes the same. */
export function normaliseContent(content: string): string {
  return content.normalize("NFC").trim().replace(/\s+/g, " ");
}

export function contentHash(content: string): string {
  return createHash("sha256").update(normaliseContent(content)).digest("hex");
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * The identity of a message that has no externalId: role (as stored, lower case), timestamp to the
 * millisecond, sender and the exact content. Two "ok"s at different times, or from different senders,
 * differ; the same message sent again does not. The migration that introduced it computes the same
 * value in SQL (`message_fingerprint`) for the rows already stored; keep the two in step.
 */
export function messageFingerprint(role: string, sender: string | null | undefined, timestamp: Date, content: string): string {
  return sha256(`${role.toLowerCase()}\n${timestamp.getTime()}\n${sha256(sender ?? "")}\n${content}`);
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`)\]}]+/gi;

/** Links recorded per message: the first ones in the text (a message of 74,000 URLs is not 74,000 rows). */
export const MAX_LINKS_PER_MESSAGE = 100;
/** Longer URLs stay in the text but are not recorded: (message, url) is a unique index, whose rows are at most ~2.7 KB. */
export const MAX_LINK_BYTES = 2_000;

/** The distinct http(s) URLs in a text, with their host names; trailing sentence punctuation is not part of a URL. */
export function extractLinks(content: string): { url: string; domain: string }[] {
  const seen = new Map<string, string>();
  for (const match of content.matchAll(URL_PATTERN)) {
    if (seen.size >= MAX_LINKS_PER_MESSAGE) break;
    const candidate = match[0].replace(/[.,;:!?]+$/, "");
    if (candidate.length > MAX_LINK_BYTES) continue;
    try {
      const url = new URL(candidate);
      if (!seen.has(url.href) && Buffer.byteLength(url.href) <= MAX_LINK_BYTES) seen.set(url.href, url.hostname.toLowerCase());
    } catch {
      // Not a parseable URL after all: leave it in the text, record no link.
    }
  }
  return [...seen].map(([url, domain]) => ({ url, domain }));
}
