// WhatsApp chat export (.txt, "Export chat" on Android or iOS). A message starts with a date and time:
//   Android  14/06/2025, 09:12 - Maya: text        6/14/25, 9:12 AM - Maya: text
//   iOS      [14/06/2025, 09:12:34] Maya: text     [6/14/25, 9:12:34 AM] Maya: text
// Lines without one continue the message above. A line with no "Sender: " is the app's own notice
// (SYSTEM). Media placeholders are kept as the text says and recorded as assets. Day/month order is
// read from the file (a first number above 12 means day first); times have no zone and are taken as UTC.
import { createHash } from "node:crypto";
import { ImportFormatError, skip, spanOf, type ImportedAsset, type ImportedMessage, type ParseResult } from "../model.ts";

const DATE = String.raw`(\d{1,4}[./-]\d{1,2}[./-]\d{1,4})`;
const TIME = String.raw`(\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)(?:[\s\u202f]?([AaPp])\.?\s?[Mm]\.?)?`;
const ANDROID = new RegExp(String.raw`^\u200e?${DATE},?\s${TIME}\s[-–]\s(.*)$`);
const IOS = new RegExp(String.raw`^\u200e?\[${DATE},?\s${TIME}\]\s(.*)$`);

const MEDIA_TYPES: Record<string, string> = { image: "image", photo: "image", video: "video", audio: "audio", sticker: "image", gif: "image", document: "document", "contact card": "file" };
const TYPE_BY_EXTENSION: Record<string, string> = { jpg: "image", jpeg: "image", png: "image", webp: "image", gif: "image", opus: "audio", mp3: "audio", m4a: "audio", ogg: "audio", mp4: "video", mov: "video", "3gp": "video", pdf: "document", docx: "document", vcf: "file" };

function mediaOf(text: string): ImportedAsset[] {
  const assets: ImportedAsset[] = [];
  const typeOf = (file: string) => TYPE_BY_EXTENSION[file.split(".").pop()?.toLowerCase() ?? ""] ?? "file";
  for (const match of text.matchAll(/<attached: ([^>]+)>/g)) assets.push({ type: typeOf(match[1]), filename: match[1] });
  for (const match of text.matchAll(/^(\S+\.\w{2,4}) \(file attached\)$/gm)) assets.push({ type: typeOf(match[1]), filename: match[1] });
  const omitted = /^\u200e?(?:<Media omitted>|(image|video|audio|sticker|GIF|document|Contact card) omitted)$/i.exec(text.trim());
  if (omitted) assets.push({ type: omitted[1] ? MEDIA_TYPES[omitted[1].toLowerCase()] ?? "file" : "file", metadata: { omitted: true } });
  return assets;
}

interface Raw {
  date: string;
  time: string;
  meridiem?: string;
  body: string;
  line: number;
}

export function parseWhatsApp(text: string, name: string): ParseResult {
  const skipped: Record<string, number> = {};
  const raws: Raw[] = [];
  let leading = 0;
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const match = IOS.exec(line) ?? ANDROID.exec(line);
    if (match) raws.push({ date: match[1], time: match[2], meridiem: match[3], body: match[4], line: index + 1 });
    else if (raws.length) raws[raws.length - 1].body += `\n${line}`;
    else if (line.trim()) leading++;
  }
  if (raws.length === 0) throw new ImportFormatError(`${name} is not a WhatsApp chat export: no line starts with a date and time`);
  if (leading) skip(skipped, "lines before the first message", leading);

  // Day/month order, from the whole file.
  const parts = raws.map((raw) => raw.date.split(/[./-]/).map(Number));
  const yearFirst = parts.every((p) => String(p[0]).length === 4);
  const dayFirst = !yearFirst && (parts.some((p) => p[0] > 12) || !parts.some((p) => p[1] > 12));

  const occurrences = new Map<string, number>();
  const messages: ImportedMessage[] = [];
  for (const [i, raw] of raws.entries()) {
    const [a, b, c] = parts[i];
    const [year, month, day] = yearFirst ? [a, b, c] : dayFirst ? [c, b, a] : [c, a, b];
    const [h, m, s = 0] = raw.time.split(/[:.]/).map(Number);
    const hour = raw.meridiem ? (h % 12) + (/p/i.test(raw.meridiem) ? 12 : 0) : h;
    const timestamp = new Date(Date.UTC(year < 100 ? 2000 + year : year, month - 1, day, hour, m, s));
    if (Number.isNaN(timestamp.getTime()) || month > 12 || day > 31) {
      skip(skipped, "lines with an unreadable date");
      continue;
    }
    const body = raw.body.replace(/\u200e/g, "").replace(/\n+$/, "");
    const said = /^([^:"“”\n]{1,60}?): ([\s\S]*)$/.exec(body);
    const sender = said?.[1].trim();
    const content = said ? said[2] : body;
    // Two identical lines by the same person in the same minute are two messages: count them.
    const key = createHash("sha256").update(`${timestamp.toISOString()}\n${sender ?? ""}\n${content}`).digest("hex").slice(0, 20);
    const n = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, n);
    messages.push({
      externalId: `wa:${key}:${n}`,
      role: sender ? "USER" : "SYSTEM",
      sender,
      content,
      timestamp,
      assets: mediaOf(content),
      metadata: { line: raw.line },
    });
  }
  const title = name.replace(/^.*[\\/]/, "").replace(/\.txt$/i, "");
  const { first, last } = spanOf(messages);
  const participants = [...new Set(messages.flatMap((m) => (m.sender ? [m.sender] : [])))];
  return {
    conversations: [
      { externalId: `whatsapp:${title}`, title, startedAt: first, endedAt: last, metadata: { source: "whatsapp", participants }, messages },
    ],
    skipped,
  };
}
