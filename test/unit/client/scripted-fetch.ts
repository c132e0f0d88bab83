/** A fetch that answers from a list of canned responses (or throws the Errors in it) and records each request. */
export function scriptedFetch(responses: ({ status: number; body?: unknown; text?: string; headers?: Record<string, string> } | Error)[]) {
  const requests: { url: string; init: RequestInit & { headers: Record<string, string> } }[] = [];
  const fetchImpl = ((url: string | URL, init?: RequestInit) => {
    requests.push({ url: String(url), init: { ...init, headers: (init?.headers ?? {}) as Record<string, string> } });
    const next = responses.shift();
    if (next === undefined) return Promise.reject(new Error('no more scripted responses'));
    if (next instanceof Error) return Promise.reject(next);
    const body = next.text ?? (next.body === undefined ? null : JSON.stringify(next.body));
    return Promise.resolve(new Response(body, { status: next.status, ...(next.headers !== undefined ? { headers: next.headers } : {}) }));
  }) as typeof fetch;
  return { fetch: fetchImpl, requests };
}

/** A sleep that records what it was asked to wait, and does not wait. */
export function recordedSleep() {
  const waits: number[] = [];
  return {
    waits,
    sleep: (ms: number) => {
      waits.push(ms);
      return Promise.resolve();
    },
  };
}

/** The rejection of `promise`, which must reject. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
