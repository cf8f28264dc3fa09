// `npm start`'s entry. Two steps, so the first runs before the second's code has even loaded: the
// embedded database starts booting in a thread of its own (start-early.ts), then the server's code
// (~0.4 s of loading on this thread) loads and starts it (serve.ts), while the database boots.
import "./start-early.ts";

await import("./serve.ts");
