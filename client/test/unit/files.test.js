import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MiniChatClient, MiniChatError, uniAppAdapter, wechatAdapter, webSocketAdapter } from '../../src/index.js';
import { FakeAdapter, FakeClock, fakeToken, settle, text, uploaded } from '../support/fakes.js';

const ME = 7;
const PEER = 8;
const BEARER = `Bearer ${fakeToken(ME)}`;

async function setup(options = {}, adapter = new FakeAdapter()) {
  const clock = new FakeClock();
  const client = new MiniChatClient({ url: 'ws://chat.test/ws', token: fakeToken(ME), adapter, clock, random: () => 0.5, ...options });
  const messages = [];
  const groupMessages = [];
  client.on('message', (m) => messages.push(m));
  client.on('groupMessage', (m) => groupMessages.push(m));
  await settle();
  return { clock, adapter, client, messages, groupMessages };
}

function online(adapter) {
  const socket = adapter.last;
  socket.open();
  const sync = socket.frames('sync').at(-1);
  socket.push({ type: 'sync', messages: [], cursor: sync.since, has_more: false });
  return socket;
}

/** `uni` or `wx` with what the adapter needs; `uploadFile` answers as the platforms do: `data` is a string. */
function miniProgram(answer = { statusCode: 201, data: JSON.stringify(uploaded()) }) {
  const api = { uploads: [] };
  api.connectSocket = () => ({ onOpen() {}, onMessage() {}, onClose() {}, onError() {} });
  api.request = () => {};
  api.uploadFile = (params) => {
    api.uploads.push(params);
    if (answer.errMsg) params.fail(answer);
    else params.success(Object.assign({ errMsg: 'uploadFile:ok' }, answer));
    return { abort() {}, onProgressUpdate() {} };
  };
  return api;
}

const ERRORS = [
  [413, 'too_large'],
  [415, 'unsupported_type'],
  [429, 'rate_limited'],
  [400, 'invalid_field'],
  [401, 'unauthorized'],
];

describe('uploads in mini-programs (uni.uploadFile, wx.uploadFile)', () => {
  for (const [platform, make] of [['uni-app', uniAppAdapter], ['WeChat', wechatAdapter]]) {
    test(`${platform}: the file part named file, the bearer token, the real name as a form field; res.data parsed`, async () => {
      const api = miniProgram();
      const { client } = await setup({ autoStart: false }, make(api));
      const upload = await client.uploadFile('wxfile://tmp_abc.png', { name: 'holiday.png' });
      assert.equal(api.uploads.length, 1);
      const [params] = api.uploads;
      assert.equal(params.url, 'http://chat.test/api/files');
      assert.equal(params.filePath, 'wxfile://tmp_abc.png');
      assert.equal(params.name, 'file');
      assert.deepEqual(params.header, { Authorization: BEARER });
      assert.deepEqual(params.formData, { name: 'holiday.png' });
      assert.deepEqual(upload, {
        id: 'f-1', kind: 'image', name: 'holiday.png', mime: 'image/png', size: 1795, width: 300, height: 200,
        url: 'http://chat.test/api/files/f-1?u=7&e=9&s=x', thumbUrl: 'http://chat.test/api/files/f-1/thumb?u=7&e=9&s=y',
      });
    });

    test(`${platform}: refusals are MiniChatErrors with the server's code and status`, async () => {
      for (const [status, code] of ERRORS) {
        const api = miniProgram({ statusCode: status, data: JSON.stringify({ error: { code, message: `refused: ${code}` } }) });
        const { client } = await setup({ autoStart: false }, make(api));
        await assert.rejects(client.uploadFile('wxfile://tmp_a.png'),
          (e) => e instanceof MiniChatError && e.code === code && e.status === status && e.message === `refused: ${code}`);
      }
    });
  }

  test('an entry of tempFiles (chooseMessageFile: path, size, name) gives its path and its real name', async () => {
    const api = miniProgram();
    const { client } = await setup({ autoStart: false }, wechatAdapter(api));
    await client.uploadFile({ path: 'wxfile://tmp_1.pdf', size: 1234, name: 'report.pdf', type: 'file' });
    await client.uploadFile({ tempFilePath: 'wxfile://tmp_2.jpg', size: 99 }); // chooseMedia: no name known
    assert.equal(api.uploads[0].filePath, 'wxfile://tmp_1.pdf');
    assert.deepEqual(api.uploads[0].formData, { name: 'report.pdf' });
    assert.equal(api.uploads[1].filePath, 'wxfile://tmp_2.jpg');
    assert.equal(api.uploads[1].formData, undefined, 'no name field when the name is not known');
  });

  test('a failed uploadFile (no network, domain not allowed) is a retryable network error', async () => {
    const api = miniProgram({ errMsg: 'uploadFile:fail url not in domain list' });
    const { client } = await setup({ autoStart: false }, uniAppAdapter(api));
    await assert.rejects(client.uploadFile('wxfile://tmp_a.png'),
      (e) => e.code === 'network' && e.retryable && /url not in domain list/.test(e.message));
  });

  test('a runtime without uploadFile still launches and connects; only an upload is refused, as unsupported', async () => {
    const api = miniProgram();
    delete api.uploadFile;
    const { client } = await setup({}, uniAppAdapter(api));
    assert.equal(client.state, 'connecting');
    await assert.rejects(client.uploadFile('wxfile://tmp_a.png'), (e) => e instanceof MiniChatError && e.code === 'unsupported');
  });
});

describe('uploads in browsers and Node (fetch, FormData, Blob)', () => {
  function recordingFetch(status = 201, body = uploaded()) {
    const calls = [];
    const fetch = async (url, init) => {
      calls.push({ url, init });
      return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    };
    return { calls, fetch };
  }

  test('a multipart POST: the name field, then the file part with its bytes; the bearer token', async () => {
    const { calls, fetch } = recordingFetch();
    const { client } = await setup({ autoStart: false }, webSocketAdapter({ WebSocket: class {}, fetch }));
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const upload = await client.uploadFile(new Blob([bytes], { type: 'image/png' }), { name: 'holiday.png' });
    assert.equal(upload.id, 'f-1');
    const [{ url, init }] = calls;
    assert.equal(url, 'http://chat.test/api/files');
    assert.equal(init.method, 'POST');
    assert.deepEqual(init.headers, { Authorization: BEARER });
    assert.equal(init.headers['Content-Type'], undefined, 'fetch writes the multipart type with its boundary');
    assert.ok(init.body instanceof FormData);
    assert.deepEqual([...init.body.keys()], ['name', 'file']);
    assert.equal(init.body.get('name'), 'holiday.png');
    const part = init.body.get('file');
    assert.equal(part.name, 'holiday.png');
    assert.equal(part.type, 'image/png');
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), bytes);
  });

  test("a File's own name is sent when none is given; bytes are wrapped in a Blob", async () => {
    const { calls, fetch } = recordingFetch();
    const { client } = await setup({ autoStart: false }, webSocketAdapter({ WebSocket: class {}, fetch }));
    await client.uploadFile(new File(['hello'], 'notes.txt', { type: 'text/plain' }));
    await client.uploadFile(new Uint8Array([1, 2, 3]), { name: 'raw.bin' });
    assert.equal(calls[0].init.body.get('name'), 'notes.txt');
    assert.equal(calls[0].init.body.get('file').name, 'notes.txt');
    assert.equal(await calls[0].init.body.get('file').text(), 'hello');
    assert.deepEqual(new Uint8Array(await calls[1].init.body.get('file').arrayBuffer()), new Uint8Array([1, 2, 3]));
  });

  test('refusals carry the server code; a path is refused before anything is sent', async () => {
    for (const [status, code] of ERRORS) {
      const { fetch } = recordingFetch(status, { error: { code, message: code } });
      const { client } = await setup({ autoStart: false }, webSocketAdapter({ WebSocket: class {}, fetch }));
      await assert.rejects(client.uploadFile(new Blob(['x'])), (e) => e instanceof MiniChatError && e.code === code && e.status === status);
    }
    const { calls, fetch } = recordingFetch();
    const { client } = await setup({ autoStart: false }, webSocketAdapter({ WebSocket: class {}, fetch }));
    await assert.rejects(client.uploadFile('/tmp/a.png'), { code: 'invalid_field' });
    assert.equal(calls.length, 0);
  });

  test('a file over maxFileBytes, or an empty one, is refused without an upload', async () => {
    const { adapter, client } = await setup({ autoStart: false, maxFileBytes: 10 });
    await assert.rejects(client.uploadFile(new Blob(['01234567890'])), (e) => e.code === 'too_large' && e.status === 413);
    await assert.rejects(client.uploadFile({ path: 'wxfile://tmp', size: 11 }), { code: 'too_large' });
    await assert.rejects(client.uploadFile(new Blob([])), { code: 'invalid_field' });
    await assert.rejects(client.uploadFile(null), { code: 'invalid_field' });
    assert.equal(adapter.uploads.length, 0);
    await client.uploadFile(new Blob(['0123456789']));
    assert.equal(adapter.uploads.length, 1);
  });
});

describe('sendFile', () => {
  test('uploads once, then one say with file_id and a cid; resolves with the stored picture message', async () => {
    const { adapter, client, messages } = await setup();
    const socket = online(adapter);
    const blob = new Blob(['png bytes'], { type: 'image/png' });
    const sent = client.sendFile(PEER, blob, { name: 'holiday.png' });
    await settle();
    assert.equal(adapter.uploads.length, 1);
    assert.equal(adapter.uploads[0].file, blob);
    assert.equal(adapter.uploads[0].name, 'holiday.png');
    const [say] = socket.frames('say');
    assert.deepEqual(Object.keys(say).sort(), ['cid', 'file_id', 'from_id', 'to_id', 'type']);
    assert.equal(say.file_id, 'f-1');
    assert.equal(say.to_id, PEER);
    assert.ok(say.cid);
    socket.push({ type: 'ack', cid: say.cid, id: 40, seq: 3, cursor: 1, created_at: 5000 });
    const message = await sent;
    assert.equal(message.kind, 'image');
    assert.equal(message.cid, say.cid);
    assert.equal(message.data, '[图片] http://chat.test/api/files/f-1?u=7&e=9&s=x');
    assert.deepEqual(message.file, {
      id: 'f-1', name: 'holiday.png', mime: 'image/png', size: 1795, width: 300, height: 200,
      url: 'http://chat.test/api/files/f-1?u=7&e=9&s=x', thumb_url: 'http://chat.test/api/files/f-1/thumb?u=7&e=9&s=y',
    });
    assert.equal(messages.length, 1);
    assert.equal(messages[0].outgoing, true);
    assert.deepEqual(messages[0].file, message.file);
  });

  test('a drop before the ack: after the reconnect the same say again (same cid, same file_id), no second upload', async () => {
    const { adapter, client, clock, messages } = await setup();
    const first = online(adapter);
    const sent = client.sendFile(PEER, new Blob(['x']), { name: 'a.png', cid: 'c-pic' });
    await settle();
    assert.equal(first.frames('say').length, 1);
    first.serverClose(1006);
    assert.deepEqual(client.pendingSends, [{ cid: 'c-pic', to: PEER, fileId: 'f-1' }]);
    // the app tries again meanwhile, with the same cid: the same promise, nothing uploaded
    assert.equal(client.sendFile(PEER, new Blob(['x']), { name: 'a.png', cid: 'c-pic' }), sent);
    clock.tick(1000);
    await settle();
    const second = online(adapter);
    assert.notEqual(second, first);
    assert.deepEqual(second.frames('say'), [{ type: 'say', from_id: ME, to_id: PEER, cid: 'c-pic', file_id: 'f-1' }]);
    second.push({ type: 'ack', cid: 'c-pic', id: 41, seq: 1, cursor: 1, created_at: 6000 });
    assert.equal((await sent).id, 41);
    assert.equal(adapter.uploads.length, 1, 'uploaded once');
    assert.equal(client.sendFile(PEER, new Blob(['x']), { cid: 'c-pic' }), sent, 'done: still the same promise');
    await settle();
    assert.equal(adapter.uploads.length, 1);
    assert.equal(messages.length, 1);
  });

  test('offline: the upload is done at once, the say waits for the connection', async () => {
    const { adapter, client } = await setup();
    const sent = client.sendFile(PEER, 'wxfile://tmp.png', { cid: 'c-off' });
    await settle();
    assert.equal(adapter.uploads.length, 1);
    const socket = online(adapter);
    assert.deepEqual(socket.frames('say').map((f) => f.file_id), ['f-1']);
    socket.push({ type: 'ack', cid: 'c-off', id: 5, seq: 1, cursor: 1, created_at: 1 });
    assert.equal((await sent).kind, 'image');
  });

  test('a refused upload rejects with its code and sends nothing; the same cid may then be tried again', async () => {
    const { adapter, client } = await setup();
    const socket = online(adapter);
    adapter.uploadResponses.push({ status: 415, data: { error: { code: 'unsupported_type', message: 'not a picture' } } });
    await assert.rejects(client.sendFile(PEER, new Blob(['MZ']), { name: 'a.png', cid: 'c-x' }), { code: 'unsupported_type' });
    assert.equal(socket.frames('say').length, 0);
    adapter.uploadResponses.push({ status: 201, data: uploaded({ id: 'f-2', kind: 'file', mime: 'text/plain', name: 'a.txt' }) });
    const sent = client.sendFile(PEER, new Blob(['hi']), { name: 'a.txt', cid: 'c-x' });
    await settle();
    assert.equal(adapter.uploads.length, 2);
    socket.push({ type: 'ack', cid: 'c-x', id: 6, seq: 1, cursor: 1, created_at: 1 });
    const message = await sent;
    assert.equal(message.kind, 'file');
    assert.equal(message.data, '[文件] a.txt http://chat.test/api/files/f-1?u=7&e=9&s=x');
    assert.deepEqual(message.file, { id: 'f-2', name: 'a.txt', mime: 'text/plain', size: 1795, url: 'http://chat.test/api/files/f-1?u=7&e=9&s=x' });
  });

  test('a say the server refuses (not_found, cid_conflict) rejects with that code', async () => {
    const { adapter, client } = await setup();
    const socket = online(adapter);
    const sent = client.sendFile(PEER, new Blob(['x']), { cid: 'c-nf' });
    await settle();
    socket.push({ type: 'error', code: 'not_found', message: 'no such upload', ref: 'c-nf', retryable: false });
    await assert.rejects(sent, { code: 'not_found' });
  });

  test('refused before any upload: a bad peer, yourself, a closed client', async () => {
    const { adapter, client } = await setup();
    await assert.rejects(client.sendFile(0, new Blob(['x'])), { code: 'invalid_field' });
    await assert.rejects(client.sendFile(ME, new Blob(['x'])), { code: 'self_message' });
    await assert.rejects(client.sendFileToGroup('x', new Blob(['x'])), { code: 'invalid_field' });
    client.close();
    await assert.rejects(client.sendFile(PEER, new Blob(['x'])), { code: 'closed' });
    assert.equal(adapter.uploads.length, 0);
  });

  test('to a group: a say with group_id and file_id; resolves with the group message, picture and all', async () => {
    const { adapter, client, groupMessages } = await setup();
    const socket = online(adapter);
    const sent = client.sendFileToGroup(3, new Blob(['x']), { cid: 'c-g' });
    await settle();
    assert.deepEqual(socket.frames('say'), [{ type: 'say', group_id: 3, cid: 'c-g', file_id: 'f-1' }]);
    socket.push({ type: 'ack', cid: 'c-g', group_id: 3, id: 9, seq: 2, cursor: 1, created_at: 1 });
    const message = await sent;
    assert.equal(message.type, 'group_text');
    assert.equal(message.kind, 'image');
    assert.equal(message.file.thumb_url, 'http://chat.test/api/files/f-1/thumb?u=7&e=9&s=y');
    assert.equal(groupMessages[0].groupId, 3);
  });
});

describe('file messages and links', () => {
  const picture = { id: 'f-9', name: 'cat.jpg', mime: 'image/jpeg', size: 50, width: 640, height: 480, url: 'http://u', thumb_url: 'http://t' };
  const document = { id: 'f-8', name: 'notes.txt', mime: 'text/plain', size: 6, url: 'http://d' };

  test('pushed and synced pictures and files come as message events with kind and file', async () => {
    const { adapter, messages } = await setup();
    const socket = adapter.last;
    socket.open();
    socket.push({ type: 'sync', messages: [text(1, 1, PEER, ME, '[图片] http://u', { kind: 'image', file: picture })], cursor: 1, has_more: false });
    socket.push(text(2, 2, PEER, ME, '[文件] notes.txt http://d', { kind: 'file', file: document }));
    assert.deepEqual(messages.map((m) => [m.kind, m.file, m.peer, m.outgoing]),
      [['image', picture, PEER, false], ['file', document, PEER, false]]);
  });

  test('history keeps kind and file as the server sent them', async () => {
    const { adapter, client } = await setup({ autoStart: false });
    adapter.responses.push({ status: 200, data: { messages: [text(3, 3, PEER, ME, '[图片] http://u', { kind: 'image', file: picture })], has_more: false } });
    const { messages } = await client.history(PEER);
    assert.deepEqual(messages[0].file, picture);
  });

  test('fileLink asks for fresh links: {url, thumbUrl, expiresAt}; 404 for a stranger', async () => {
    const { adapter, client } = await setup({ autoStart: false });
    adapter.responses.push({ status: 200, data: { url: 'http://u2', thumb_url: 'http://t2', expires_at: 1700000000000 } });
    assert.deepEqual(await client.fileLink('f-9'), { url: 'http://u2', thumbUrl: 'http://t2', expiresAt: 1700000000000 });
    assert.equal(adapter.requests[0].method, 'GET');
    assert.equal(adapter.requests[0].url, 'http://chat.test/api/files/f-9/link');
    assert.equal(adapter.requests[0].headers.Authorization, BEARER);
    adapter.responses.push({ status: 200, data: { url: 'http://d2', expires_at: 1 } });
    assert.deepEqual(await client.fileLink('f-8'), { url: 'http://d2', expiresAt: 1 });
    adapter.responses.push({ status: 404, data: { error: { code: 'not_found', message: 'no such file' } } });
    await assert.rejects(client.fileLink('f-7'), (e) => e.code === 'not_found' && e.status === 404);
    await assert.rejects(client.fileLink(''), { code: 'invalid_field' });
  });
});
