// Smaller responses on the wire: every response compressed (brotli or gzip, by the client's
// Accept-Encoding) with the `compression` middleware in front of Yoga, and the GraphiQL page (9 MB of
// self-contained HTML) rendered once, compressed once per encoding and revalidated by ETag, so a
// browser reloading it gets a 304 and a first load moves ~2 MB instead of 9.
import { createHash } from "node:crypto";
import type http from "node:http";
import { promisify } from "node:util";
import zlib from "node:zlib";
import compression from "compression";
import type { Plugin } from "graphql-yoga";

/** `compression` for plain node:http. Never an event stream: zlib would hold events back until it flushes. */
export function compressResponses(): (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void {
  const middleware = compression({
    filter: (req, res) => !String(res.getHeader("content-type") ?? "").startsWith("text/event-stream") && compression.filter(req, res),
  });
  return (req, res, next) => middleware(req as never, res as never, next);
}

type Encoding = "br" | "gzip";
const compressors: Record<Encoding, (page: Buffer) => Promise<Buffer>> = {
  // Quality 5: within 15% of brotli's best for this page, at a fraction of the CPU (the first load waits for it).
  br: (page) =>
    promisify(zlib.brotliCompress)(page, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: page.length },
    }),
  gzip: (page) => promisify(zlib.gzip)(page, { level: 6 }),
};

/** The client's preferred encoding among br and gzip (q=0 refuses one), or none. */
export function acceptedEncoding(header: string | null): Encoding | undefined {
  const weights = new Map(
    (header ?? "").split(",").map((part) => {
      const [name, ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return [name.trim(), q === undefined ? 1 : Number(q)] as const;
    }),
  );
  const weight = (encoding: Encoding) => weights.get(encoding) ?? weights.get("*") ?? 0;
  return (["br", "gzip"] as const).filter((encoding) => weight(encoding) > 0).sort((a, b) => weight(b) - weight(a))[0];
}

/**
 * GraphiQL rendered by `render` (loaded on first use, so start-up does not parse 9 MB of JavaScript),
 * once per set of options, served with an ETag (304 when the browser has it), compressed once per
 * encoding. Pass `renderGraphiQL` to createYoga and `plugin` among its plugins.
 */
export function cachedGraphiQL<Options>(load: () => Promise<(options: Options) => string>) {
  let page: { key: string; html: string; etag: string; encoded: Map<Encoding, Promise<Buffer>> } | undefined;
  return {
    async renderGraphiQL(options: Options): Promise<string> {
      const key = JSON.stringify(options);
      if (page?.key !== key) {
        const html = (await load())(options);
        page = { key, html, etag: `"${createHash("sha256").update(html).digest("base64url").slice(0, 27)}"`, encoded: new Map() };
      }
      return page.html;
    },
    plugin: {
      onResponse({ request, response, setResponse, fetchAPI }) {
        // Yoga answers GraphiQL with text/html; nothing else it sends is HTML.
        if (!page || request.method !== "GET" || !response.headers.get("content-type")?.startsWith("text/html")) return;
        const { etag, html, encoded } = page;
        const headers = { etag, "cache-control": "no-cache", vary: "Accept-Encoding" };
        if (request.headers.get("if-none-match")?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) {
          return setResponse(new fetchAPI.Response(null, { status: 304, headers }));
        }
        const encoding = acceptedEncoding(request.headers.get("accept-encoding"));
        if (!encoding) return setResponse(new fetchAPI.Response(html, { headers: { ...headers, "content-type": "text/html; charset=utf-8" } }));
        if (!encoded.has(encoding)) encoded.set(encoding, compressors[encoding](Buffer.from(html)));
        return encoded.get(encoding)!.then((body) => {
          const type = { "content-type": "text/html; charset=utf-8", "content-encoding": encoding };
          setResponse(new fetchAPI.Response(new Uint8Array(body), { headers: { ...headers, ...type } }));
        });
      },
    } satisfies Plugin,
  };
}
