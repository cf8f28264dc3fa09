// The text formats, by name. Each parser takes a whole file and returns conversations, or throws an
// ImportFormatError naming the file and what it expected; nothing is sent before a file parses whole.
import { ImportFormatError, parseJson, textOf, type ParseResult } from "../model.ts";
import { parseChatGpt } from "./chatgpt.ts";
import { parseClaude } from "./claude.ts";
import { parseClaudeCode } from "./claude-code.ts";
import { parseWhatsApp } from "./whatsapp.ts";

export const TEXT_FORMATS = {
  "claude-code": { extensions: [".jsonl"], parse: (text: string, name: string) => parseClaudeCode(text, name) },
  chatgpt: { extensions: [".json"], parse: (text: string, name: string) => parseChatGpt(parseJson(text, name), name) },
  claude: { extensions: [".json"], parse: (text: string, name: string) => parseClaude(parseJson(text, name), name) },
  whatsapp: { extensions: [".txt"], parse: (text: string, name: string) => parseWhatsApp(text, name) },
} as const;

export type TextFormat = keyof typeof TEXT_FORMATS;

export const isTextFormat = (format: string): format is TextFormat => Object.hasOwn(TEXT_FORMATS, format);

export function parseText(format: string, bytes: Uint8Array | string, name: string): ParseResult {
  if (!isTextFormat(format)) throw new ImportFormatError(`Unknown format "${format}"; known: ${Object.keys(TEXT_FORMATS).join(", ")}`);
  const text = typeof bytes === "string" ? bytes : textOf(bytes, name);
  if (typeof bytes === "string" && bytes.includes("\u0000")) throw new ImportFormatError(`${name} is a binary file, not a text export`);
  return TEXT_FORMATS[format].parse(text, name);
}
