// Run ids. A run created with an idempotency key gets an id derived from (flow, key), so every retry of
// that create lands on the same Durable Object, which then answers with the run it already has.

/** A UUID (version 8, "custom") built from the SHA-256 of the flow id and idempotency key. */
export async function idempotentRunId(flowId: string, idempotencyKey: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${flowId}\n${idempotencyKey}`)),
  );
  const bytes = digest.slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
