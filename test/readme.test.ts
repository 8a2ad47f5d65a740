import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { routes } from '@proofgrid/api';
import { ERROR_CODES } from '@proofgrid/core';
import { ERROR_STATUS } from '@proofgrid/hub';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

it('documents every error code with the HTTP status the hub answers', () => {
  for (const code of ERROR_CODES) {
    const row = new RegExp(`^\\| \`${code}\`\\s*\\| (\\d{3})\\s*\\|`, 'm').exec(readme);
    assert.ok(row, `README lacks a row for ${code}`);
    assert.equal(Number(row[1]), ERROR_STATUS[code], `README gives ${code} another status than the hub`);
  }
});

it('gives the two set-up commands', () => {
  assert.match(readme, /npm install && npm start/);
  assert.match(readme, /npm test/);
});

it('documents every route of the API', () => {
  const text = readme.replace(/\s+/g, ' ');
  for (const route of Object.values(routes)) {
    const path = route.path.replace(/:([a-z_]+)/g, '{$1}');
    assert.ok(text.includes(`${route.method} ${path}`), `README lacks ${route.method} ${path} (${route.id})`);
  }
});
