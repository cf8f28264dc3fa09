// Cutting a message into pieces an embedder can take: a sentence embedding of a whole page says little
// about any of its parts, and hosted models refuse inputs past their token limit. Pieces are at most
// MAX_CHUNK characters, cut at the largest boundary that fits (paragraph, line, sentence, word), and
// packed greedily so short paragraphs share a chunk. Pieces with no letter or digit are dropped.

export const MAX_CHUNK = 1_000;
const HAS_CONTENT = /[\p{L}\p{N}]/u;
const BOUNDARIES = [/\n\s*\n/, /\n/, /(?<=[.!?。！？])\s+/u, /\s+/];

function pieces(text: string, level: number): string[] {
  if (text.length <= MAX_CHUNK) return [text];
  if (level === BOUNDARIES.length) {
    const cut: string[] = [];
    for (let at = 0; at < text.length; at += MAX_CHUNK) cut.push(text.slice(at, at + MAX_CHUNK));
    return cut;
  }
  return text.split(BOUNDARIES[level]).flatMap((part) => pieces(part, level + 1));
}

export function chunkText(content: string): string[] {
  const chunks: string[] = [];
  let current = "";
  for (const piece of pieces(content.trim(), 0)) {
    const part = piece.trim();
    if (!part) continue;
    if (current && current.length + 1 + part.length > MAX_CHUNK) {
      chunks.push(current);
      current = part;
    } else current = current ? `${current} ${part}` : part;
  }
  if (current) chunks.push(current);
  return chunks.filter((chunk) => HAS_CONTENT.test(chunk));
}
