import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { isProofGridError } from '@proofgrid/core';
import {
  balanceOf,
  checkLedger,
  openOrganizationAccount,
  resolvePending,
  SYSTEM,
  transfer,
} from '../src/market/ledger/ledger.ts';
import type { Store } from '../src/store/Store.ts';
import { DRIVERS, openTestStore } from './support/testStores.ts';

/** A seeded generator, so a failing sequence can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function organization(store: Store): Promise<string> {
  const id = randomUUID();
  await store.query(
    `INSERT INTO account (organization_id, username, password_hash, name, description, created_at) VALUES ($1, $2, 'x', 'n', '', now())`,
    [id, `user-${id}`],
  );
  await store.transaction((tx) => openOrganizationAccount(tx, id, new Date()));
  return `org:${id}`;
}

for (const driver of DRIVERS) {
  describe(`the ledger (${driver})`, () => {
    const stores: Store[] = [];
    after(() => Promise.all(stores.map((store) => store.close())));

    it('keeps money conserved and no balance negative under a random sequence of operations', async () => {
      const store = await openTestStore(driver);
      stores.push(store);
      const accounts = [await organization(store), await organization(store), await organization(store)];
      const model = new Map(accounts.map((account) => [account, { posted: 0, reserved: 0 }]));
      const pendings: { id: number; from: string; amount: number }[] = [];
      const next = random(20261201);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
      let refused = 0;
      for (let step = 0; step < 300; step++) {
        const now = new Date();
        const roll = next();
        const from = pick(accounts);
        const to = pick(accounts.filter((account) => account !== from));
        const amount = 1 + Math.floor(next() * 5_000);
        const state = model.get(from) as { posted: number; reserved: number };
        try {
          if (roll < 0.2) {
            await store.transaction((tx) =>
              transfer(
                tx,
                { debit: SYSTEM.faucet, credit: from, amount, code: 'faucet', reason: 'test' },
                now,
              ),
            );
            state.posted += amount;
          } else if (roll < 0.5) {
            await store.transaction((tx) =>
              transfer(tx, { debit: from, credit: to, amount, code: 'pool_payment', reason: 'test' }, now),
            );
            state.posted -= amount;
            (model.get(to) as { posted: number }).posted += amount;
          } else if (roll < 0.75) {
            const id = await store.transaction((tx) =>
              transfer(
                tx,
                { debit: from, credit: SYSTEM.escrow, amount, code: 'escrow', pending: true, reason: 'test' },
                now,
              ),
            );
            state.reserved += amount;
            pendings.push({ id, from, amount });
          } else if (pendings.length > 0) {
            const index = Math.floor(next() * pendings.length);
            const pending = pendings.splice(index, 1)[0] as (typeof pendings)[number];
            const outcome = next() < 0.5 ? 'post' : 'void';
            await store.transaction((tx) =>
              resolvePending(
                tx,
                {
                  pendingId: pending.id,
                  outcome,
                  code: outcome === 'post' ? 'escrow' : 'refund',
                  reason: 'test',
                },
                now,
              ),
            );
            const owner = model.get(pending.from) as { posted: number; reserved: number };
            owner.reserved -= pending.amount;
            if (outcome === 'post') owner.posted -= pending.amount;
            // Resolving it again is refused by the database, and changes nothing.
            await assert.rejects(
              store.transaction((tx) =>
                resolvePending(
                  tx,
                  { pendingId: pending.id, outcome: 'post', code: 'escrow', reason: 'again' },
                  now,
                ),
              ),
            );
          }
        } catch (error) {
          assert.ok(
            isProofGridError(error, 'INSUFFICIENT_CREDITS'),
            `only overdrafts are refused (${error})`,
          );
          assert.ok(state.posted - state.reserved < amount, 'a refusal is an overdraft');
          refused++;
        }
      }
      assert.ok(refused > 0, 'the sequence tried overdrafts');
      for (const account of accounts) {
        const balance = await balanceOf(store, account);
        const expected = model.get(account) as { posted: number; reserved: number };
        assert.equal(balance.posted, expected.posted, `${account} posted`);
        assert.equal(balance.available, expected.posted - expected.reserved, `${account} available`);
      }
      const check = await checkLedger(store);
      assert.deepEqual(check, { postedSum: 0, negative: [], badResolutions: 0, mismatched: [] });
    });

    it('refuses to edit or delete an entry', async () => {
      const store = await openTestStore(driver);
      stores.push(store);
      const account = await organization(store);
      await store.transaction((tx) =>
        transfer(
          tx,
          { debit: SYSTEM.faucet, credit: account, amount: 5, code: 'faucet', reason: 'test' },
          new Date(),
        ),
      );
      await assert.rejects(store.query('UPDATE ledger_transfer SET amount = 500'), /immutable/);
      await assert.rejects(store.query('DELETE FROM ledger_transfer'), /immutable/);
      assert.equal((await balanceOf(store, account)).available, 5);
    });
  });
}
