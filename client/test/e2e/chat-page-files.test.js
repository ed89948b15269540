import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chatPage, loadedPicture, openChat, skip } from '../support/browser.js';
import { squares, sunset } from '../support/png.js';

const ALICE = 301;
const BOB = 302;

// uploads go to a folder of this run, removed afterwards
const fileDir = mkdtempSync(path.join(tmpdir(), 'minichat-e2e-files-'));
const { signIn, shot } = chatPage('files', { width: 960, height: 640 }, { CHAT_FILE_DIR: fileDir });
after(() => rmSync(fileDir, { recursive: true, force: true }));

// ---- the page ----

async function attach(page, name, mimeType, buffer) {
  await page.setInputFiles('#attach-input', { name, mimeType, buffer });
}

async function download(url) {
  const response = await fetch(url);
  assert.equal(response.status, 200, `GET ${url}`);
  return { bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

const isMessagesCall = (url) => new URL(url).pathname.startsWith('/api/messages');

test('pictures and files between two pages: thumbnails, downloads, pushed read marks, a recall on both screens',
  { skip, timeout: 180_000 }, async () => {
    const alice = await signIn(ALICE);
    const bob = await signIn(BOB);
    await openChat(alice, BOB);
    await alice.fill('#text', 'Photos from the trip, and the packing list');
    await alice.press('#text', 'Enter');
    await alice.waitForSelector('#messages li.out[data-status=delivered]');

    // bob opens the chat and keeps it open: what alice sends from now on arrives read
    await bob.locator(`#conversations li[data-peer="${ALICE}"]`).click();
    await bob.waitForSelector('#messages li.in');
    await alice.waitForSelector('#messages li.out[data-status=read]', { timeout: 15_000 });

    // alice sends a picture; every HTTP request of her page is recorded until it shows as read
    const requests = [];
    const record = (request) => requests.push(`${request.method()} ${request.url()}`);
    alice.on('request', record);
    await alice.evaluate(() => {
      window.receipts = [];
      window.minichat.client.on('receipt', (receipt) => window.receipts.push(receipt));
    });
    const picture = sunset(320, 200);
    await attach(alice, 'trip.png', 'image/png', picture);
    await alice.waitForSelector('#messages li.out[data-status=read] img[alt="trip.png"]', { timeout: 20_000 });
    alice.off('request', record);
    const pictureId = Number(await alice.getAttribute('#messages li.out:has(img[alt="trip.png"])', 'data-id'));
    assert.ok(pictureId > 0);
    const receipts = await alice.evaluate(() => window.receipts);
    assert.ok(receipts.some(({ peer, upTo }) => peer === BOB && upTo >= pictureId), 'the read mark came as a receipt push');
    assert.ok(requests.some((line) => line.startsWith('POST ') && line.endsWith('/api/files')), 'the upload went out');
    assert.deepEqual(requests.filter((line) => isMessagesCall(line.split(' ')[1])), [],
      'nothing asked /api/messages for read state or history meanwhile');

    // bob sees the thumbnail (at most 240 px wide), and its link downloads exactly the bytes alice sent
    const seen = await loadedPicture(bob, 'trip.png');
    assert.match(seen.src, /\/api\/files\/[^/?]+\/thumb\?/);
    assert.ok(seen.width <= 240 && seen.width < 320, `thumbnail ${seen.width}×${seen.height}`);
    assert.equal(Math.round((seen.width * 200) / 320), seen.height, 'the proportions kept');
    const full = await download(seen.href);
    assert.equal(full.headers.get('content-type'), 'image/png');
    assert.ok(full.bytes.equals(picture), 'the full picture is the bytes sent');

    // a file that is not a picture: a download link with its name and size
    const notes = Buffer.from('Packing list\n- tent\n- stove\n- maps of the coast\n');
    await attach(alice, 'packing-list.txt', 'text/plain', notes);
    const link = bob.locator('#messages li.in a.file', { hasText: 'packing-list.txt' });
    await link.waitFor({ timeout: 20_000 });
    assert.match(await link.textContent(), new RegExp(`packing-list\\.txt\\s*${notes.length} B`));
    const file = await download(await link.getAttribute('href'));
    assert.match(file.headers.get('content-disposition') || '', /^attachment/);
    assert.ok(file.bytes.equals(notes), 'the file is the bytes sent');

    // alice sends the wrong picture and recalls it: both screens show the recalled notice in its place
    await attach(alice, 'wrong.png', 'image/png', squares(300, 200));
    await loadedPicture(bob, 'wrong.png');
    const wrong = alice.locator('#messages li.out[data-id]:has(img[alt="wrong.png"])');
    await wrong.waitFor();
    const wrongId = await wrong.getAttribute('data-id');
    await wrong.hover();
    await wrong.locator('button', { hasText: 'Recall' }).click();
    for (const [page, notice] of [[alice, 'You recalled a message'], [bob, 'Message recalled']]) {
      const recalled = page.locator(`#messages li.recalled[data-id="${wrongId}"]`);
      await recalled.waitFor({ timeout: 15_000 });
      assert.match(await recalled.textContent(), new RegExp(notice));
      assert.equal(await page.locator('#messages img[alt="wrong.png"]').count(), 0, 'the recalled picture is gone');
    }
    assert.equal(await bob.locator('#messages li img').count(), 1, 'the first picture stays');
    assert.equal(await bob.locator('#messages li a.file').count(), 1, 'the file stays');

    await bob.locator(`#conversations li[data-peer="${ALICE}"] .preview`, { hasText: '[Recalled]' }).waitFor();
    await bob.mouse.move(0, 0); // no hover actions in the pictures
    await shot(bob, 'files-bob');
    await shot(alice, 'files-alice');
  });

test('a thumbnail whose link is still valid but failed to load is fetched again, without asking for new links',
  { skip, timeout: 120_000 }, async () => {
    const dave = await signIn(303);
    const erin = await signIn(304);
    // erin's first two fetches of any thumbnail fail: a dropped connection, then a busy server
    const failures = ['connectionreset', 503];
    let thumbFetches = 0;
    let linkRequests = 0;
    await erin.route((url) => /^\/api\/files\/[^/]+\/thumb$/.test(url.pathname), (route) => {
      thumbFetches += 1;
      const failure = failures.shift();
      if (failure === undefined) return route.continue();
      return typeof failure === 'number' ? route.fulfill({ status: failure, body: 'busy' }) : route.abort(failure);
    });
    erin.on('request', (request) => {
      if (/\/api\/files\/[^/]+\/link$/.test(new URL(request.url()).pathname)) linkRequests += 1;
    });

    await openChat(erin, 303);
    await openChat(dave, 304);
    await attach(dave, 'harbour.png', 'image/png', sunset(320, 200));
    const shown = await loadedPicture(erin, 'harbour.png');
    assert.equal(shown.width, 240, 'the thumbnail shows');
    assert.equal(failures.length, 0, 'both failures were served');
    assert.equal(thumbFetches, 3, 'two failed fetches, then one that worked');
    assert.equal(linkRequests, 0, 'the links were valid: none were renewed');
  });
