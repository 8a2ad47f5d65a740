import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';

/** CurveTime's response envelope: `code` is the HTTP status (or 10000, "No transactions to mine"). */
export const Envelope = <T extends TSchema>(data: T) =>
  Type.Object({
    code: Type.Integer(),
    msg: Type.String(),
    data: Type.Union([data, Type.Null()]),
    /** ProofGrid's stable error code (ERROR_CODES) when the request failed. */
    error: Type.Optional(Type.String()),
  });

export type EnvelopeOf<T extends TSchema> = Static<ReturnType<typeof Envelope<T>>>;

export function ok<T>(data: T, msg = 'Success'): { code: number; msg: string; data: T } {
  return { code: 200, msg, data };
}

export function fail(reply: FastifyReply, status: number, error: string, msg: string) {
  return reply.code(status).send({ code: status, msg, data: null, error });
}
