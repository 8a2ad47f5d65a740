import {
  ErrorEnvelope,
  type MultipartBody,
  type RouteAuth,
  type RouteDefinition,
  successEnvelope,
} from '@proofgrid/api';
import { assert } from '@proofgrid/core';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyReply, FastifySchema, RouteOptions } from 'fastify';
import type { AuthenticatedWorker } from '../workers/authenticateWorker.ts';
import { success } from './envelope.ts';
import { type MultipartUpload, readMultipart } from './readMultipart.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The organization of the `token` header, set by the organization scopes. */
    organizationId: string | null;
    /** The worker that signed the request, set by the worker scope. */
    worker: AuthenticatedWorker | null;
  }
}

type StaticOf<S> = S extends TSchema ? Static<S> : undefined;

/** Who called, as the route's authentication scope established it. */
type CallerOf<A extends RouteAuth> = A extends 'organization'
  ? { organizationId: string }
  : A extends 'organization_optional'
    ? { organizationId: string | undefined }
    : A extends 'worker'
      ? { worker: AuthenticatedWorker }
      : unknown;

type UploadOf<R> = R extends { multipart: infer M extends MultipartBody }
  ? {
      upload: {
        file: MultipartUpload['file'];
        data: M['dataRequired'] extends true ? Static<M['data']> : Static<M['data']> | undefined;
      };
    }
  : unknown;

/** What a handler gets: the validated request parts, its caller, and the raw request for what is left. */
export type HandlerContext<R extends RouteDefinition> = {
  params: StaticOf<R['params']>;
  query: StaticOf<R['query']>;
  body: StaticOf<R['body']>;
  /** The client's address, for limits per client. */
  clientAddress: string;
} & CallerOf<R['auth']> &
  UploadOf<R>;

/** A file answer: its bytes, an optional download name, and the route's headers (objects go as JSON). */
export type FileAnswer<H> = {
  bytes: Uint8Array;
  fileName?: string;
  headers?: H extends TSchema ? Static<H> : undefined;
};

/** What a handler returns: the envelope's `data` for a JSON route, a {@link FileAnswer} for a file route. */
export type HandlerResult<R extends RouteDefinition> = R['reply'] extends { kind: 'json'; data: infer D }
  ? StaticOf<D>
  : FileAnswer<R['reply'] extends { headers: infer H } ? H : undefined>;

/** A route of the contract paired with its handler; `registerRoutes` puts it in its authentication scope. */
export type RouteEntry = {
  route: RouteDefinition;
  handler: (context: Record<string, unknown>) => Promise<unknown>;
};

/** Pairs a contract route with its handler, typed from the route's schemas. */
export function handle<const R extends RouteDefinition>(
  route: R,
  // Only the route decides R: inferring it back from the handler's types would walk TypeBox's types deeply.
  handler: (context: NoInfer<HandlerContext<R>>) => Promise<NoInfer<HandlerResult<R>>>,
): RouteEntry {
  return { route, handler: handler as unknown as RouteEntry['handler'] };
}

const SECURITY: Record<RouteAuth, Record<string, never[]>[] | undefined> = {
  none: undefined,
  organization: [{ token: [] }],
  organization_optional: [{}, { token: [] }],
  worker: [{ workerSignature: [] }],
};

/** The Fastify route of a contract entry: schemas, OpenAPI facts, and the handler around the envelope. */
export function toFastifyRoute({ route, handler }: RouteEntry): RouteOptions {
  const errors = { '4xx': Type.Ref(ErrorEnvelope), '5xx': Type.Ref(ErrorEnvelope) };
  const response =
    route.reply.kind === 'json'
      ? { 200: successEnvelope(route.reply.data), ...errors }
      : {
          200: {
            description: route.reply.description,
            content: { [route.reply.contentType]: { schema: { type: 'string', format: 'binary' } } },
          },
          ...errors,
        };
  const schema = {
    operationId: route.id,
    tags: [...route.tags],
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    ...(route.params === undefined ? {} : { params: route.params }),
    ...(route.query === undefined ? {} : { querystring: route.query }),
    ...(route.body === undefined ? {} : { body: route.body }),
    ...(route.multipart === undefined ? {} : { consumes: ['multipart/form-data'] }),
    ...(SECURITY[route.auth] === undefined ? {} : { security: SECURITY[route.auth] }),
    response,
  } as FastifySchema;
  return {
    method: route.method,
    url: route.path,
    ...(route.bodySizeBytesMax === undefined ? {} : { bodyLimit: route.bodySizeBytesMax }),
    schema,
    handler: async (request, reply) => {
      const context: Record<string, unknown> = {
        params: request.params,
        query: request.query,
        body: request.body,
        clientAddress: request.ip,
        organizationId: request.organizationId ?? undefined,
        worker: request.worker ?? undefined,
      };
      if (route.auth === 'organization') assert(request.organizationId !== null, 'the scope authenticated');
      if (route.auth === 'worker') assert(request.worker !== null, 'the scope authenticated');
      if (route.multipart !== undefined) context.upload = await readMultipart(request, route.multipart);
      const result = await handler(context);
      if (route.reply.kind === 'json') return success(result);
      return sendFile(reply, route.reply.contentType, result as FileAnswer<TSchema>);
    },
  };
}

/** JSON a header can carry: HTTP headers are Latin-1, so every other character travels as a \\u escape. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function sendFile(reply: FastifyReply, contentType: string, answer: FileAnswer<TSchema>): FastifyReply {
  void reply.type(contentType);
  if (answer.fileName !== undefined)
    void reply.header('content-disposition', `attachment; filename="${answer.fileName}"`);
  for (const [name, value] of Object.entries((answer.headers ?? {}) as Record<string, unknown>))
    void reply.header(name, typeof value === 'string' ? value : asciiJson(value));
  return reply.send(Buffer.from(answer.bytes.buffer, answer.bytes.byteOffset, answer.bytes.byteLength));
}
