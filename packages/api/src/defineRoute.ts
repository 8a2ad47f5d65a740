import type { Static, TObject, TSchema } from '@sinclair/typebox';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Who may call a route:
 * - `none`: anyone (seed 004's public routes, donors' reservations);
 * - `organization`: the `token` header of a logged-in organization;
 * - `organization_optional`: anyone, but a valid `token` links what is created to that account;
 * - `worker`: a registered worker's signature over the request (ProofGrid-Worker-Id, -Timestamp, -Signature).
 */
export type RouteAuth = 'none' | 'organization' | 'organization_optional' | 'worker';

/** A JSON answer: seed 004's envelope `{status: 'success', data}` around `data`. */
export type JsonReply = { kind: 'json'; data: TSchema };

/**
 * A file answer (a program archive, an output, a CSV). `headers` describes headers that travel with it;
 * a header whose schema is an object carries JSON.
 */
export type FileReply = { kind: 'file'; contentType: string; description: string; headers?: TObject };

/** A multipart/form-data body: one file part and a `data` part holding JSON (seed 004's upload form). */
export type MultipartBody = {
  /** What the file is, for messages ("program archive"). */
  fileWhat: string;
  fileSizeBytesMax: number;
  data: TObject;
  /** Whether the `data` part must be present. */
  dataRequired: boolean;
  /** A JSON example of `data`, quoted in the message when it is missing or wrong. */
  dataExample: string;
};

/** One route of the hub's API: everything the hub, its OpenAPI document and the client need to know. */
export type RouteDefinition = {
  /** The operation's name (OpenAPI operationId; the client's method name). */
  id: string;
  method: HttpMethod;
  /** Fastify's form: `/program/:program_id`. */
  path: string;
  auth: RouteAuth;
  tags: readonly string[];
  summary: string;
  description?: string;
  params?: TObject;
  query?: TObject;
  /** A JSON body. */
  body?: TSchema;
  multipart?: MultipartBody;
  reply: JsonReply | FileReply;
  /** A larger body limit than the default JSON limit (submissions carrying outputs or proofs). */
  bodySizeBytesMax?: number;
};

/** Declares a route; the literal type is kept, so inputs and outputs are typed from the schemas. */
export function defineRoute<const R extends RouteDefinition>(route: R): R {
  return route;
}

type ParamsInput<R> = R extends { params: infer P extends TSchema } ? { params: Static<P> } : unknown;
type QueryInput<R> = R extends { query: infer Q extends TSchema } ? { query?: Static<Q> } : unknown;
type BodyInput<R> = R extends { body: infer B extends TSchema }
  ? { body: Static<B> }
  : R extends { multipart: infer M extends MultipartBody }
    ? { file: { name: string; bytes: Uint8Array }; data?: Static<M['data']> }
    : unknown;

/** What a caller gives a route: its path parameters, query, and JSON body or multipart upload. */
export type RouteInput<R extends RouteDefinition> = ParamsInput<R> & QueryInput<R> & BodyInput<R>;

/** What a file route answers: the bytes and its typed headers. */
export type FileOutput<H> = {
  bytes: Uint8Array;
  headers: H extends TSchema ? Static<H> : Record<string, never>;
};

/** What a route answers: the envelope's `data` for JSON routes, the bytes and headers for file routes. */
export type RouteOutput<R extends RouteDefinition> = R['reply'] extends { kind: 'json'; data: infer D }
  ? D extends TSchema
    ? Static<D>
    : never
  : R['reply'] extends { kind: 'file'; headers: infer H }
    ? FileOutput<H>
    : FileOutput<undefined>;

/** Puts path parameters into a route's path, encoded. */
export function routePath(path: string, params: Record<string, string> | undefined): string {
  return path.replace(/:([a-z_]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new TypeError(`the path ${path} needs the parameter ${name}`);
    return encodeURIComponent(value);
  });
}
