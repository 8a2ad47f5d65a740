/** One HTTP request as the client sends it: the body is already encoded. */
export type HubRequest = {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  timeoutMs: number;
};

/** What the client reads of an answer. */
export type HubResponse = {
  status: number;
  header(name: string): string | null;
  bytes(): Promise<Uint8Array>;
};

/**
 * How requests reach the hub. The default is `fetch`, which every platform has; in Node,
 * `nodeTransport` (`@proofgrid/client/node`) is quicker to start: the first `fetch` of a process compiles
 * its HTTP parser, a sixth of a second that every command line call would pay.
 */
export type Transport = (request: HubRequest) => Promise<HubResponse>;

/** The `fetch` transport. Rejects when the hub cannot be reached. */
export const fetchTransport: Transport = async ({ url, method, headers, body, timeoutMs }) => {
  const response = await fetch(url, {
    method,
    headers,
    body: body as BodyInit | null,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    bytes: async () => new Uint8Array(await response.arrayBuffer()),
  };
};

/**
 * A multipart/form-data body (RFC 7578) of string and file parts, encoded here so that every transport
 * sends the same bytes.
 */
export function encodeMultipart(
  parts: readonly ({ name: string; value: string } | { name: string; filename: string; bytes: Uint8Array })[],
): { body: Uint8Array; contentType: string } {
  const boundary = `proofgrid-${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  const encoder = new TextEncoder();
  const quoted = (text: string) => text.replace(/["\\\r\n]/g, (c) => encodeURIComponent(c));
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    const disposition =
      'filename' in part
        ? `form-data; name="${quoted(part.name)}"; filename="${quoted(part.filename)}"\r\nContent-Type: application/octet-stream`
        : `form-data; name="${quoted(part.name)}"`;
    chunks.push(encoder.encode(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`));
    chunks.push('filename' in part ? part.bytes : encoder.encode(part.value));
    chunks.push(encoder.encode('\r\n'));
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
