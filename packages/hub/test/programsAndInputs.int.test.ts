import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { INPUT_CSV_SIZE_BYTES_MAX, PROGRAM_SIZE_BYTES_MAX, readTar, writeTar } from '@proofgrid/core';
import { BlobMissingError } from '../src/blobs/BlobStore.ts';
import { sweepBlobGarbage } from '../src/blobs/sweepBlobGarbage.ts';
import { BLOB_GARBAGE_GRACE_MS } from '../src/constants.ts';
import {
  body,
  csvOf,
  multipart,
  programArchive,
  reserve,
  signUp,
  u32,
  uploadInputs,
  uploadProgram,
  uploadProof,
} from './support/api.ts';
import { openTestHub, type TestHub } from './support/testHub.ts';
import { DRIVERS } from './support/testStores.ts';

/** A tar whose single entry has the given raw name and type flag (for hostile archives). */
function rawTar(name: string, typeflag: string, data = new Uint8Array(0)): Uint8Array {
  const archive = writeTar([{ path: 'placeholder', data }]);
  const header = archive.subarray(0, 512);
  header.fill(0, 0, 100);
  header.set(new TextEncoder().encode(name), 0);
  header[156] = typeflag.charCodeAt(0);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0`), 148);
  return archive;
}

for (const driver of DRIVERS) {
  describe(`programs and inputs (${driver})`, () => {
    let hub: TestHub;
    let org: Awaited<ReturnType<typeof signUp>>;
    before(async () => {
      hub = await openTestHub(driver);
      org = await signUp(hub.app, `Programs ${driver}`);
    });
    after(() => hub.close());

    async function upload(file: Uint8Array | undefined, data: unknown, dataText?: string) {
      const form = await multipart({
        ...(file ? { file: { name: 'p.tar', bytes: file } } : {}),
        data,
        ...(dataText ? { dataText } : {}),
      });
      return hub.app.inject({
        method: 'POST',
        url: '/program/upload',
        headers: { ...form.headers, token: org.token },
        payload: form.payload,
      });
    }

    it('uploads a program, lists it everywhere and serves its archive byte for byte', async () => {
      const archive = programArchive();
      const programId = await uploadProgram(hub.app, org.token, {
        name: 'listed',
        archive,
        timeoutSeconds: 90,
      });
      const expected = {
        organization_id: org.organizationId,
        program_id: programId,
        name: 'listed',
        description: 'test program',
        input_lock_timeout: 90,
      };
      for (const url of ['/program/all?name_filter=list', `/program/organization/${org.organizationId}`]) {
        const data = body(await hub.app.inject({ method: 'GET', url })).data as { programs: unknown[] };
        assert.deepEqual(data.programs, [expected], url);
      }
      const mine = body(
        await hub.app.inject({ method: 'GET', url: '/program/mine', headers: { token: org.token } }),
      ).data as { programs: unknown[] };
      assert.deepEqual(mine.programs.at(-1), expected);
      const download = await hub.app.inject({ method: 'GET', url: `/program/${programId}` });
      assert.equal(download.statusCode, 200);
      assert.deepEqual(download.rawPayload, Buffer.from(archive));
    });

    it('refuses a name the organization already uses, but another organization may use it', async () => {
      await uploadProgram(hub.app, org.token, { name: 'shared-name' });
      const taken = await upload(programArchive(), {
        name: 'shared-name',
        description: '',
        execution_timeout: 60,
      });
      assert.equal(taken.statusCode, 409);
      assert.equal(body(taken).error_code, 'PROGRAM_NAME_TAKEN');
      const other = await signUp(hub.app);
      await uploadProgram(hub.app, other.token, { name: 'shared-name' });
    });

    it('refuses hostile or broken archives with INVALID_TAR and stores nothing', async () => {
      const before = body(
        await hub.app.inject({ method: 'GET', url: '/program/mine', headers: { token: org.token } }),
      ).data as { total_elements_amount: number };
      const blobsBefore = await hub.blobs.count();
      const cases: [string, Uint8Array, RegExp][] = [
        ['path traversal', rawTar('../../etc/passwd', '0', new Uint8Array(4)), /\.\./],
        ['absolute path', rawTar('/etc/passwd', '0', new Uint8Array(4)), /absolute/],
        ['symbolic link', rawTar('link', '2'), /symbolic link/],
        ['gzip', new Uint8Array([0x1f, 0x8b, 8, 0, ...new Uint8Array(508)]), /gzip/],
        ['not a tar', new TextEncoder().encode('hello'), /512-byte/],
        ['empty archive', new Uint8Array(1024), /no file/],
        [
          'too many entries',
          writeTar(Array.from({ length: 2001 }, (_, i) => ({ path: `f${i}`, data: new Uint8Array(0) }))),
          /more than 2000/,
        ],
      ];
      for (const [name, archive, message] of cases) {
        const response = await upload(archive, {
          name: `bad-${name}`,
          description: '',
          execution_timeout: 60,
        });
        assert.equal(response.statusCode, 422, `${name}: ${response.body}`);
        assert.equal(body(response).error_code, 'INVALID_TAR', name);
        assert.match(body(response).error_message ?? '', message, name);
      }
      const afterUpload = body(
        await hub.app.inject({ method: 'GET', url: '/program/mine', headers: { token: org.token } }),
      ).data as { total_elements_amount: number };
      assert.equal(afterUpload.total_elements_amount, before.total_elements_amount);
      assert.equal(await hub.blobs.count(), blobsBefore);
    });

    it('refuses an archive over the size limit with PAYLOAD_TOO_LARGE', async () => {
      const response = await upload(new Uint8Array(PROGRAM_SIZE_BYTES_MAX + 512), {
        name: 'huge',
        description: '',
        execution_timeout: 60,
      });
      assert.equal(response.statusCode, 413);
      assert.equal(body(response).error_code, 'PAYLOAD_TOO_LARGE');
    });

    it('says what is wrong with a missing file or bad data', async () => {
      const cases: [Uint8Array | undefined, unknown, string | undefined, RegExp][] = [
        [undefined, { name: 'x', description: '', execution_timeout: 60 }, undefined, /no file/],
        [programArchive(), undefined, '{not json', /not valid JSON/],
        [programArchive(), { name: 'x', description: '' }, undefined, /execution_timeout/],
        [
          programArchive(),
          { name: 'x', description: '', execution_timeout: 0 },
          undefined,
          /execution_timeout/,
        ],
        [programArchive(), { name: '', description: '', execution_timeout: 60 }, undefined, /name/],
      ];
      for (const [file, data, dataText, message] of cases) {
        const response = await upload(file, data, dataText);
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(body(response).error_code, 'VALIDATION_FAILED');
        assert.match(body(response).error_message ?? '', message);
      }
      const json = await hub.app.inject({
        method: 'POST',
        url: '/program/upload',
        headers: { token: org.token },
        payload: { name: 'x' },
      });
      assert.equal(json.statusCode, 400);
      assert.match(body(json).error_message ?? '', /multipart/);
    });

    it('validates a program with a manifest: its module must pass the sandbox checks', async () => {
      const wabt = await (await import('wabt')).default();
      const wasm = (text: string) => new Uint8Array(wabt.parseWat('p.wat', text).toBinary({}).buffer);
      const good = wasm('(module (memory (export "memory") 1) (func (export "_start")))');
      const sneaky = wasm(
        '(module (import "env" "now" (func)) (memory (export "memory") 1) (func (export "_start")))',
      );
      const manifest = (entry: string, extra = {}) =>
        new TextEncoder().encode(JSON.stringify({ name: 'checked', runtime: 'wasm', entry, ...extra }));
      const archive = (files: { path: string; data: Uint8Array }[]) => writeTar(files);
      const accepted = await upload(
        archive([
          { path: 'proofgrid.json', data: manifest('program.wasm') },
          { path: 'program.wasm', data: good },
        ]),
        {
          name: 'with-manifest',
          description: '',
          execution_timeout: 60,
        },
      );
      assert.equal(accepted.statusCode, 200, accepted.body);
      const cases: [Uint8Array, string, RegExp][] = [
        [
          archive([
            { path: 'proofgrid.json', data: manifest('missing.wasm') },
            { path: 'program.wasm', data: good },
          ]),
          'INVALID_MANIFEST',
          /"missing\.wasm" is not a file/,
        ],
        [
          archive([
            { path: 'proofgrid.json', data: manifest('program.wasm', { limits: { fuel: -1 } }) },
            { path: 'program.wasm', data: good },
          ]),
          'INVALID_MANIFEST',
          /limits\.fuel/,
        ],
        [
          archive([
            { path: 'proofgrid.json', data: manifest('program.wasm') },
            { path: 'program.wasm', data: sneaky },
          ]),
          'INVALID_MODULE',
          /imports "env\.now"/,
        ],
        [
          archive([
            { path: 'proofgrid.json', data: manifest('program.wasm') },
            { path: 'program.wasm', data: new TextEncoder().encode('nope') },
          ]),
          'INVALID_MODULE',
          /not a valid WebAssembly module/,
        ],
      ];
      for (const [bytes, code, message] of cases) {
        const response = await upload(bytes, {
          name: `refused-${code}`,
          description: '',
          execution_timeout: 60,
        });
        assert.equal(response.statusCode, 422, response.body);
        assert.equal(body(response).error_code, code);
        assert.match(body(response).error_message ?? '', message);
      }
    });

    it('answers ACCOUNT_NOT_FOUND for the programs of an unknown organization', async () => {
      const response = await hub.app.inject({
        method: 'GET',
        url: '/program/organization/00000000-0000-4000-8000-000000000000',
      });
      assert.equal(response.statusCode, 404);
      assert.equal(body(response).error_code, 'ACCOUNT_NOT_FOUND');
    });

    it('serves a template archive', async () => {
      const response = await hub.app.inject({ method: 'GET', url: '/program/template' });
      assert.equal(response.statusCode, 200);
      const paths = readTar(response.rawPayload).map((entry) => entry.path);
      assert.ok(paths.includes('template/proofgrid.json'), paths.join(','));
    });

    it('serves a Noir starter with ?runtime=noir, and refuses an unknown runtime', async () => {
      const response = await hub.app.inject({ method: 'GET', url: '/program/template?runtime=noir' });
      assert.equal(response.statusCode, 200);
      const files = readTar(response.rawPayload);
      assert.deepEqual(files.map((entry) => entry.path).sort(), [
        'template/Nargo.toml',
        'template/README.md',
        'template/proofgrid.json',
        'template/src/main.nr',
      ]);
      const main = files.find((entry) => entry.path === 'template/src/main.nr');
      assert.match(new TextDecoder().decode(main?.data), /fn main\(x: pub u32, y: pub u32\) -> pub u32/);
      const unknown = await hub.app.inject({ method: 'GET', url: '/program/template?runtime=cobol' });
      assert.equal(unknown.statusCode, 400);
      assert.equal(body(unknown).error_code, 'VALIDATION_FAILED');
    });

    it('stores an input group in order, across insert batches, and names it after the file by default', async () => {
      const programId = await uploadProgram(hub.app, org.token);
      const values = Array.from({ length: 2500 }, (_, i) => u32(i * 7));
      const form = await multipart({ file: { name: 'numbers-2500.csv', bytes: csvOf(values) } });
      const response = await hub.app.inject({
        method: 'POST',
        url: `/program/inputs/${programId}`,
        headers: { ...form.headers, token: org.token },
        payload: form.payload,
      });
      assert.equal(response.statusCode, 200, response.body);
      const listed = body(
        await hub.app.inject({
          method: 'GET',
          url: `/program/inputs/all/${programId}`,
          headers: { token: org.token },
        }),
      ).data as {
        program_input_groups: { name: string; value_count: number }[];
      };
      assert.deepEqual(
        listed.program_input_groups.map((g) => [g.name, g.value_count]),
        [['numbers-2500', 2500]],
      );
      const csv = await hub.app.inject({ method: 'GET', url: `/program/inputs/${programId}` });
      assert.equal(csv.body, Buffer.from(csvOf(values)).toString());
    });

    it('refuses bad CSV files with the row at fault and stores nothing', async () => {
      const programId = await uploadProgram(hub.app, org.token);
      const cases: [string, number, string, RegExp][] = [
        ['AAAABw==\nnot base64!\n', 422, 'BAD_BASE_64_ENCODING', /Row 2/],
        ['AAAABw\n', 422, 'BAD_BASE_64_ENCODING', /Row 1/],
        ['AAAABw==,AAAACw==\n', 422, 'INVALID_CSV', /more than one column/],
        ['\n\n', 422, 'INVALID_CSV', /no value/],
      ];
      for (const [text, status, code, message] of cases) {
        const form = await multipart({
          file: { name: 'bad.csv', bytes: new TextEncoder().encode(text) },
          data: { name: 'bad' },
        });
        const response = await hub.app.inject({
          method: 'POST',
          url: `/program/inputs/${programId}`,
          headers: { ...form.headers, token: org.token },
          payload: form.payload,
        });
        assert.equal(response.statusCode, status, text);
        assert.equal(body(response).error_code, code);
        assert.match(body(response).error_message ?? '', message);
      }
      const big = await multipart({
        file: { name: 'big.csv', bytes: new Uint8Array(INPUT_CSV_SIZE_BYTES_MAX + 1).fill(65) },
      });
      const tooBig = await hub.app.inject({
        method: 'POST',
        url: `/program/inputs/${programId}`,
        headers: { ...big.headers, token: org.token },
        payload: big.payload,
      });
      assert.equal(body(tooBig).error_code, 'PAYLOAD_TOO_LARGE');
      const listed = body(
        await hub.app.inject({
          method: 'GET',
          url: `/program/inputs/all/${programId}`,
          headers: { token: org.token },
        }),
      ).data as { total_elements_amount: number };
      assert.equal(listed.total_elements_amount, 0);
    });

    it('refuses a second group with the same name in one program', async () => {
      const programId = await uploadProgram(hub.app, org.token);
      await uploadInputs(hub.app, org.token, programId, { name: 'twice' });
      const form = await multipart({
        file: { name: 'twice.csv', bytes: csvOf([u32(1)]) },
        data: { name: 'twice' },
      });
      const response = await hub.app.inject({
        method: 'POST',
        url: `/program/inputs/${programId}`,
        headers: { ...form.headers, token: org.token },
        payload: form.payload,
      });
      assert.equal(response.statusCode, 409);
      assert.equal(body(response).error_code, 'INPUT_GROUP_NAME_TAKEN');
    });

    it('deletes an input group with its proof, then the program with everything, and frees the blobs', async () => {
      const archive = programArchive();
      const programId = await uploadProgram(hub.app, org.token, { archive });
      const groupIds = [
        await uploadInputs(hub.app, org.token, programId, { name: 'a' }),
        await uploadInputs(hub.app, org.token, programId, { name: 'b' }),
      ];
      const lease = await reserve(hub.app, programId);
      const leasedGroup = String(lease.headers['proofgrid-input-group-id']);
      // Larger than a row keeps inline, so that it is a blob.
      const proofBytes = new TextEncoder().encode(`unique proof ${programId} `.repeat(2000));
      await uploadProof(
        hub.app,
        {
          organization_id: org.organizationId,
          program_id: programId,
          input_group_id: leasedGroup,
          lease_id: String(lease.headers['proofgrid-lease-id']),
        },
        proofBytes,
      );

      const deleted = await hub.app.inject({
        method: 'DELETE',
        url: `/program/input/${programId}/${leasedGroup}`,
        headers: { token: org.token },
      });
      assert.equal(deleted.statusCode, 200);
      const again = await hub.app.inject({
        method: 'DELETE',
        url: `/program/input/${programId}/${leasedGroup}`,
        headers: { token: org.token },
      });
      assert.equal(body(again).error_code, 'INPUT_GROUP_NOT_FOUND');
      const remaining = body(
        await hub.app.inject({
          method: 'GET',
          url: `/program/inputs/all/${programId}`,
          headers: { token: org.token },
        }),
      ).data as { program_input_groups: { input_group_id: string }[] };
      assert.deepEqual(
        remaining.program_input_groups.map((g) => g.input_group_id),
        groupIds.filter((id) => id !== leasedGroup),
      );

      assert.equal(
        (
          await hub.app.inject({
            method: 'DELETE',
            url: `/program/${programId}`,
            headers: { token: org.token },
          })
        ).statusCode,
        200,
      );
      assert.equal(
        body(await hub.app.inject({ method: 'GET', url: `/program/${programId}` })).error_code,
        'PROGRAM_NOT_FOUND',
      );
      assert.equal(body(await reserve(hub.app, programId)).error_code, 'PROGRAM_NOT_FOUND');
      // Blobs go after the grace period, once nothing references them.
      const hashes = [archive, proofBytes].map((bytes) => createHash('sha256').update(bytes).digest('hex'));
      await sweepBlobGarbage(hub.deps, { graceMs: BLOB_GARBAGE_GRACE_MS });
      for (const hash of hashes)
        assert.ok((await hub.blobs.get(hash)).length > 0, 'kept during the grace period');
      hub.clock.advanceMs(11 * 60_000);
      await sweepBlobGarbage(hub.deps, { graceMs: BLOB_GARBAGE_GRACE_MS });
      for (const hash of hashes) await assert.rejects(hub.blobs.get(hash), BlobMissingError);
    });
  });
}
