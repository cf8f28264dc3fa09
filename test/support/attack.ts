// "The server keeps serving others while this runs": a second client polls /health throughout an
// attack and reports the slowest answer. Tests assert it stays under a second — a bound on
// starvation, not a benchmark.
export async function whileServing<T>(graphqlUrl: string, attack: () => Promise<T>): Promise<{ result: T; slowestHealthMs: number; healthChecks: number }> {
  const health = graphqlUrl.replace(/\/graphql$/, "/health");
  let done = false;
  let slowest = 0;
  let checks = 0;
  const poll = (async () => {
    while (!done) {
      const started = performance.now();
      const response = await fetch(health);
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`/health answered ${response.status}`);
      slowest = Math.max(slowest, performance.now() - started);
      checks += 1;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  try {
    const result = await attack();
    return { result, slowestHealthMs: slowest, healthChecks: checks };
  } finally {
    done = true;
    await poll;
  }
}
