/** Where the embedded database's template for the installed PGlite is (or would be), or undefined without PGlite. */
export function pgliteTemplateFile(base?: string): string | undefined;
/** Makes the template if it is missing; returns its file. */
export function ensurePgliteTemplate(options?: { log?: (line: string) => void }): Promise<string | undefined>;
