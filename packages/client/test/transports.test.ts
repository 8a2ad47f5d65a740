import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fetchTransport, HubClient, type Transport } from '../src/index.ts';
import { nodeTransport } from '../src/node.ts';

/** A server that is not a well-behaved hub: what the client must refuse to believe. */
function impostor(): Server {
  return createServer((request, response) => {
    if (request.url === '/health') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>a router login page</html>');
      return;
    }
    if (request.url?.startsWith('/program/p/results/')) {
      response
        .writeHead(200, { 'content-type': 'application/octet-stream', 'proofgrid-verdict': '{not json' })
        .end('output');
      return;
    }
    if (request.url === '/program/upload') {
      // Echo what the client sent, as an envelope: the multipart body the hub would parse.
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            status: 'success',
            data: {
              program_id: request.headers['content-type'] ?? '',
              echoed: Buffer.concat(chunks).toString('latin1'),
            },
          }),
        ),
      );
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"status":"oops"}');
  });
}

for (const [name, transport] of [
  ['nodeTransport', nodeTransport],
  ['fetchTransport', fetchTransport],
] as [string, Transport][]) {
  describe(`HubClient over ${name}`, () => {
    let server: Server;
    let url: string;
    before(async () => {
      server = impostor();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('says HUB_UNREACHABLE, naming the URL, when nothing listens', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const hub = new HubClient({ url: `http://127.0.0.1:${port}`, transport });
      await assert.rejects(hub.api.health({}), {
        code: 'HUB_UNREACHABLE',
        status: 0,
        message: new RegExp(`Cannot reach the hub at http://127.0.0.1:${port}`),
      });
    });

    it('says BAD_RESPONSE for answers no hub gives: not JSON, no envelope, a header that is not JSON', async () => {
      const hub = new HubClient({ url, transport });
      await assert.rejects(hub.api.health({}), {
        code: 'BAD_RESPONSE',
        message: /not JSON.*a ProofGrid hub/,
      });
      await assert.rejects(hub.api.listOrganizations({ query: {} }), { code: 'BAD_RESPONSE', status: 404 });
      await assert.rejects(
        hub.api.taskResult({ params: { program_id: 'p', input_group_id: 'g' } }, { token: 't' }),
        { code: 'BAD_RESPONSE', message: /proofgrid-verdict header that is not JSON/ },
      );
    });

    it('sends a file and its data as multipart form data, byte for byte', async () => {
      const hub = new HubClient({ url, transport });
      const bytes = new Uint8Array([0, 1, 2, 13, 10, 45, 45, 255]);
      const answer = (await hub.api.uploadProgram(
        { file: { name: 'p.tar', bytes }, data: { name: 'n', description: 'é', execution_timeout: 60 } },
        { token: 't' },
      )) as unknown as { program_id: string; echoed: string };
      const boundary = /boundary=(.+)$/.exec(answer.program_id)?.[1];
      assert.ok(boundary, 'a multipart content type with its boundary');
      const parts = answer.echoed.split(`--${boundary}`);
      assert.equal(parts.at(-1), '--\r\n', 'the body ends with the closing boundary');
      const file = parts.find((part) => part.includes('filename="p.tar"'));
      assert.ok(file);
      assert.equal(file.slice(file.indexOf('\r\n\r\n') + 4, -2), Buffer.from(bytes).toString('latin1'));
      const data = parts.find((part) => part.includes('name="data"'));
      assert.ok(data);
      assert.deepEqual(
        JSON.parse(Buffer.from(data.slice(data.indexOf('\r\n\r\n') + 4, -2), 'latin1').toString()),
        {
          name: 'n',
          description: 'é',
          execution_timeout: 60,
        },
      );
    });
  });
}
