import type { VerificationPolicy } from '@proofgrid/core';

/** Replicas a fresh task (or a fresh attempt) asks for: the policy's count, one where one result decides. */
export function initialReplicas(policy: VerificationPolicy): number {
  return policy.policy === 'replicate' ? policy.replicas : 1;
}
