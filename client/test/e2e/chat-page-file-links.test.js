import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chatPage, loadedPicture, openChat, skip } from '../support/browser.js';
import { squares, sunset } from '../support/png.js';

const ALICE = 311;
const BOB = 312;
const CAROL = 313;

// a link works for CHAT_FILE_LINK_TTL_S, rounded up to the next whole minute: here, until the next minute
const fileDir = mkdtempSync(path.join(tmpdir(), 'minichat-e2e-links-'));
const { signIn } = chatPage('filelinks', { width: 960, height: 640 }, { CHAT_FILE_DIR: fileDir, CHAT_FILE_LINK_TTL_S: '1' });
after(() => rmSync(fileDir, { recursive: true, force: true }));

/** Until when a signed link works, in epoch ms: through the whole second `e` names. */
const signedUntil = (url) => (Number(new URL(url).searchParams.get('e')) + 1) * 1000;

/** The file of the newest picture message the page's client has delivered. */
function pushedPicture(page, alt) {
  return page.evaluate((name) => window.pushed.filter((m) => m.kind === 'image' && m.file.name === name).at(-1)?.file, alt);
}

test('expired links: a thumbnail that fails to load, and a click on a picture shown earlier, both get fresh links',
  { skip, timeout: 180_000 }, async () => {
    const alice = await signIn(ALICE);
    const bob = await signIn(BOB);
    const carol = await signIn(CAROL);
    const linkRequests = new Set();
    bob.on('request', (request) => {
      const match = /^\/api\/files\/([^/]+)\/link$/.exec(new URL(request.url()).pathname);
      if (match) linkRequests.add(match[1]);
    });
    await bob.evaluate(() => {
      window.pushed = [];
      window.minichat.client.on('message', (message) => window.pushed.push(message));
    });

    // bob has seen alice's chat (its history is loaded) and looks at carol's when alice's picture arrives
    await openChat(bob, ALICE);
    await openChat(bob, CAROL);
    await openChat(alice, BOB);
    await openChat(carol, BOB);
    await alice.setInputFiles('#attach-input', { name: 'dusk.png', mimeType: 'image/png', buffer: sunset(320, 200) });
    await carol.setInputFiles('#attach-input', { name: 'board.png', mimeType: 'image/png', buffer: squares(300, 200) });
    await bob.waitForFunction(() => window.pushed.filter((m) => m.kind === 'image').length === 2, null, { timeout: 20_000 });
    const unseen = await pushedPicture(bob, 'dusk.png');
    const shown = await loadedPicture(bob, 'board.png');
    assert.equal(linkRequests.size, 0);

    const expiry = Math.max(signedUntil(unseen.thumb_url), signedUntil(shown.href));
    await bob.waitForFunction((until) => Date.now() > until, expiry, { timeout: 75_000, polling: 200 });

    // a click on carol's picture, whose links expired meanwhile, opens it through fresh ones
    const [opened] = await Promise.all([bob.context().waitForEvent('page'), bob.click('#messages li .picture')]);
    await opened.waitForLoadState();
    assert.match(opened.url(), /\/api\/files\/[^/?]+\?/);
    assert.ok(signedUntil(opened.url()) > expiry, 'opened through a fresh link');
    assert.equal(await opened.evaluate(() => document.contentType), 'image/png');
    assert.equal(await opened.evaluate(() => document.images[0].naturalWidth), 300, 'the full picture shows');
    await opened.close();

    // alice's picture is drawn for the first time with the links it was pushed with: they fail, fresh ones load
    await bob.locator(`#conversations li[data-peer="${ALICE}"]`).click();
    const renewed = await loadedPicture(bob, 'dusk.png');
    assert.ok(signedUntil(renewed.src) > expiry, 'a fresh thumbnail link');
    assert.ok(signedUntil(renewed.href) > expiry, 'and a fresh link to the full picture');
    assert.ok(linkRequests.has(unseen.id), 'asked GET /api/files/<id>/link for it');
  });
