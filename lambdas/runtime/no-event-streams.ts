/**
 * The deployed bundles' `@smithy/core/event-streams` (an esbuild alias, lib/bundling.ts). The SDK's protocols load
 * it (a dynamic import, which esbuild inlines) only for an operation with an event-stream input or output; none of
 * the clients bundled here (DynamoDB, Secrets Manager, SSM, EventBridge) has one, so its ~20 KB never runs. Should
 * an operation ever need it, the call fails saying so rather than misbehaving.
 */
function unavailable(): never {
  throw new Error('Event streams are not bundled in this function (lambdas/runtime/no-event-streams.ts, lib/bundling.ts)');
}

/** The two exports the protocols import; the class's methods are those they call. */
export class EventStreamSerde {
  constructor() {
    unavailable();
  }

  serializeEventStream(): never {
    return unavailable();
  }

  deserializeEventStream(): never {
    return unavailable();
  }
}

export const eventStreamSerdeProvider = (): never => unavailable();
