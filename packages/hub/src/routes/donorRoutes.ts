import { routes } from '@proofgrid/api';
import { encodeInputCsv, writeTar } from '@proofgrid/core';
import type { HubContext } from '../context.ts';
import type { DonorProofs } from '../donors/DonorProofs.ts';
import type { DonorReservation, Reservations } from '../donors/Reservations.ts';
import { handle, type RouteEntry } from '../http/handle.ts';

/** The lease as the donor gets it: `lease.json` and the ProofGrid-* headers. */
function leaseOf(reservation: DonorReservation) {
  return {
    lease_id: reservation.leaseId,
    organization_id: reservation.program.organizationId,
    program_id: reservation.program.programId,
    input_group_id: reservation.taskId,
    expires_at: reservation.expiresAt.toISOString(),
    input_lock_timeout: reservation.program.leaseSeconds,
  };
}

function leaseHeaders(reservation: DonorReservation) {
  return {
    'proofgrid-lease-id': reservation.leaseId,
    'proofgrid-lease-expires-at': reservation.expiresAt.toISOString(),
    'proofgrid-input-group-id': reservation.taskId,
  };
}

/** Seed 004's donor routes: reserve an input group (a lease), upload its proof. */
export function donorRoutes(
  ctx: HubContext,
  { reservations, donorProofs }: { reservations: Reservations; donorProofs: DonorProofs },
): RouteEntry[] {
  return [
    handle(routes.reserveInputs, async ({ params }) => {
      const reservation = await reservations.reserve(params.program_id);
      return {
        bytes: new TextEncoder().encode(encodeInputCsv(reservation.values)),
        fileName: `${reservation.taskId}.csv`,
        headers: leaseHeaders(reservation),
      };
    }),
    handle(routes.reserveProgramAndInputs, async ({ params }) => {
      const reservation = await reservations.reserve(params.program_id);
      const lease = leaseOf(reservation);
      return {
        bytes: writeTar([
          { path: `${lease.program_id}.tar`, data: await ctx.blobs.get(reservation.program.blobHash) },
          {
            path: `${lease.input_group_id}.csv`,
            data: new TextEncoder().encode(encodeInputCsv(reservation.values)),
          },
          { path: 'lease.json', data: new TextEncoder().encode(`${JSON.stringify(lease, null, 2)}\n`) },
        ]),
        fileName: `${lease.program_id}_${lease.input_group_id}.tar`,
        headers: leaseHeaders(reservation),
      };
    }),
    handle(routes.uploadProof, async ({ upload }) => {
      await donorProofs.upload({
        organizationId: upload.data.organization_id,
        programId: upload.data.program_id,
        inputGroupId: upload.data.input_group_id,
        leaseId: upload.data.lease_id,
        file: upload.file.bytes,
      });
      return null;
    }),
  ];
}
