// A file's lines, read in chunks: memory holds one chunk and one line, never the file. Refuses what is
// not text as the whole-file readers do (a NUL byte, invalid UTF-8), naming the line.
import fs from "node:fs";
import { ImportFormatError } from "./model.ts";

export interface FileLine {
  text: string;
  /** 0-based. */
  index: number;
  /** The last line that is not blank. */
  last: boolean;
}

async function* rawLines(file: string): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let rest = "";
  let first = true;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    let text: string;
    try {
      text = decoder.decode(chunk as Buffer, { stream: true });
    } catch {
      throw new ImportFormatError(`${file} is not UTF-8 text`);
    }
    if (first) text = text.replace(/^\uFEFF/, "");
    first = false;
    const parts = (rest + text).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  try {
    rest += decoder.decode();
  } catch {
    throw new ImportFormatError(`${file} is not UTF-8 text`);
  }
  yield rest;
}

/** Every line, with whether it is the last non-blank one (held back by one line to know). */
export async function* linesOf(file: string): AsyncGenerator<FileLine> {
  let held: FileLine | undefined;
  let index = 0;
  for await (const raw of rawLines(file)) {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.includes("\u0000")) throw new ImportFormatError(`${file} is a binary file, not a text export`);
    if (text.trim()) {
      if (held) yield held;
      held = { text, index, last: false };
    }
    index++;
  }
  if (held) yield { ...held, last: true };
}
