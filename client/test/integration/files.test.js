import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, waitFor } from '../support/server.js';
import { users } from '../support/users.js';
import { sunset } from '../support/png.js';

const MAX_FILE_BYTES = 64 * 1024;

let server;
let signIn;
const fileDir = mkdtempSync(path.join(tmpdir(), 'minichat-js-files-'));

before(async () => {
  server = await startServer('files', { CHAT_FILE_DIR: fileDir, CHAT_MAX_FILE_BYTES: String(MAX_FILE_BYTES) });
  signIn = users(server);
});

after(async () => {
  signIn?.close();
  await server?.stop();
  rmSync(fileDir, { recursive: true, force: true });
});

async function bytesOf(url) {
  const response = await fetch(url);
  assert.equal(response.status, 200, `GET ${url}`);
  return Buffer.from(await response.arrayBuffer());
}

describe('pictures and files against the real server (fetch, FormData, Blob)', () => {
  test('a picture sent with sendFile reaches the peer with its file; the links serve the bytes and a thumbnail', async () => {
    const alice = await signIn.connect(2001);
    const bob = await signIn.connect(2002);
    const picture = sunset(320, 200);
    const sent = await alice.client.sendFile(2002, new Blob([picture], { type: 'image/png' }), { name: 'dusk.png' });
    assert.equal(sent.kind, 'image');
    assert.deepEqual([sent.file.name, sent.file.width, sent.file.height, sent.file.size], ['dusk.png', 320, 200, picture.length]);
    const received = await waitFor(() => bob.seen.messages.find((m) => m.id === sent.id), 'the picture at bob');
    assert.equal(received.kind, 'image');
    assert.equal(received.file.id, sent.file.id);
    assert.match(received.data, /^\[图片\] http/);
    assert.ok((await bytesOf(received.file.url)).equals(picture), 'the full picture, byte for byte');
    assert.ok((await bytesOf(received.file.thumb_url)).subarray(0, 2).equals(Buffer.from([0xff, 0xd8])), 'a JPEG thumbnail');

    const { messages } = await bob.client.history(2001);
    assert.equal(messages.at(-1).file.id, sent.file.id, 'history carries the file');
    const link = await bob.client.fileLink(sent.file.id);
    assert.ok(link.url && link.thumbUrl && link.expiresAt > Date.now());
    const stranger = await signIn.connect(2003);
    await assert.rejects(stranger.client.fileLink(sent.file.id), { code: 'not_found', status: 404 });
  });

  test('a non-picture is a file message; refusals come with the server codes', async () => {
    const alice = await signIn.connect(2011);
    const bob = await signIn.connect(2012);
    const sent = await alice.client.sendFile(2012, new File(['tent, stove, maps'], 'packing.txt', { type: 'text/plain' }));
    assert.equal(sent.kind, 'file');
    const received = await waitFor(() => bob.seen.messages.find((m) => m.id === sent.id), 'the file at bob');
    assert.deepEqual([received.kind, received.file.name, received.file.thumb_url], ['file', 'packing.txt', undefined]);
    assert.equal((await bytesOf(received.file.url)).toString(), 'tent, stove, maps');

    const executable = new Blob([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1')], { type: 'image/png' });
    await assert.rejects(alice.client.uploadFile(executable, { name: 'cat.png' }), { code: 'unsupported_type', status: 415 });
    // this server's limit is below the module's default (20 MiB): the server refuses it, as the app is told
    const large = new Blob([new Uint8Array(MAX_FILE_BYTES + 1)]);
    await assert.rejects(alice.client.uploadFile(large, { name: 'big.bin' }), { code: 'too_large', status: 413 });
  });
});
