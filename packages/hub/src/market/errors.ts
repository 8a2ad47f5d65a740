import { formatCredits, ProofGridError } from '@proofgrid/core';

/** The market's named errors: each says what did not fit and what to do about it. */

export class InsufficientCreditsError extends ProofGridError {
  override name = 'InsufficientCreditsError';
  constructor({ what, needed, available }: { what: string; needed: number; available: number }) {
    super('INSUFFICIENT_CREDITS', {
      shortMessage: `${what} needs ${formatCredits(needed)}, but only ${formatCredits(available)} is available.`,
      details:
        'Deposit credits (`proofgrid account deposit`, or the faucet on a hub without a chain) and try again.',
    });
  }
}

export class WalletNotLinkedError extends ProofGridError {
  override name = 'WalletNotLinkedError';
  constructor({ reason }: { reason: string }) {
    super('WALLET_NOT_LINKED', {
      shortMessage: reason,
      details:
        'Link your wallet to your account with `proofgrid account link` (it signs a statement with the wallet key).',
    });
  }
}

export class OrderNotFoundError extends ProofGridError {
  override name = 'OrderNotFoundError';
  constructor({ orderHash, why }: { orderHash: string; why?: string }) {
    super('ORDER_NOT_FOUND', {
      shortMessage: `No order ${orderHash} ${why ?? 'is in the orderbook'}.`,
      details: 'See the orderbook with `proofgrid orderbook show`.',
    });
  }
}

export class OrdersDoNotMatchError extends ProofGridError {
  override name = 'OrdersDoNotMatchError';
  constructor({ reasons }: { reasons: string[] }) {
    super('ORDERS_DO_NOT_MATCH', {
      shortMessage: `The deal is refused: ${reasons.join('; ')}.`,
      details:
        'Change the request (prices, trust, category, tags) or pick another order from `proofgrid orderbook show`.',
    });
  }
}

export class PoolNotFoundError extends ProofGridError {
  override name = 'PoolNotFoundError';
  constructor({ poolId, why }: { poolId: string; why?: string }) {
    super('POOL_NOT_FOUND', {
      shortMessage: `No workerpool ${poolId} ${why ?? 'exists'}.`,
      details: 'Create one with `proofgrid pool create`, or check the id.',
    });
  }
}

export class DealNotFoundError extends ProofGridError {
  override name = 'DealNotFoundError';
  constructor({ what }: { what: string }) {
    super('DEAL_NOT_FOUND', {
      shortMessage: `No ${what} exists among the deals you are part of.`,
      details: 'Check the id printed by `proofgrid run` or `proofgrid order fill`.',
    });
  }
}

export class ClaimNotDueError extends ProofGridError {
  override name = 'ClaimNotDueError';
  constructor({ reason }: { reason: string }) {
    super('CLAIM_NOT_DUE', {
      shortMessage: `The task cannot be claimed: ${reason}.`,
      details: 'See it with `proofgrid task show`.',
    });
  }
}

export class FaucetUnavailableError extends ProofGridError {
  override name = 'FaucetUnavailableError';
  constructor({ reason }: { reason: string }) {
    super('FAUCET_UNAVAILABLE', {
      shortMessage: `The faucet gives nothing: ${reason}.`,
      details: 'On a hub with a chain, fund the account with `proofgrid account deposit` from your wallet.',
    });
  }
}

export class ReceiptNotFoundError extends ProofGridError {
  override name = 'ReceiptNotFoundError';
  constructor({ seq }: { seq: number }) {
    super('RECEIPT_NOT_FOUND', {
      shortMessage: `No receipt ${seq} exists.`,
      details: "Receipts are numbered from 1; `task show` lists a task's.",
    });
  }
}

export class BridgeUnavailableError extends ProofGridError {
  override name = 'BridgeUnavailableError';
  constructor({ reason }: { reason: string }) {
    super('BRIDGE_UNAVAILABLE', {
      shortMessage: `The chain bridge cannot do this: ${reason}.`,
      details: 'Start the hub with `--chain <node url>` pointing at a running node (`proofgrid node start`).',
    });
  }
}

/** An order that is well formed but does not fit what it names (the hub's own checks beyond its shape). */
export class InvalidOrderMarketError extends ProofGridError {
  override name = 'InvalidOrderMarketError';
  constructor({ reason }: { reason: string }) {
    super('INVALID_ORDER', {
      shortMessage: `The order is refused: ${reason}.`,
      details: 'Fix the order and sign it again.',
    });
  }
}
