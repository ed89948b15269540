import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatPage, skip } from '../support/browser.js';

const ALICE = 201;
const BOB = 202;

const { signIn, shot } = chatPage('e2e', { width: 960, height: 600 });

/** The texts of the open chat, as rendered, top to bottom. */
function rendered(page) {
  return page.$$eval('#messages li .text', (items) => items.map((item) => item.textContent));
}

async function send(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

async function waitForTexts(page, expected, timeout = 20_000) {
  await page.waitForFunction((count) => document.querySelectorAll('#messages li').length >= count,
    expected.length, { timeout });
  // anything doubled or late would show within a moment
  await page.waitForTimeout(500);
  assert.deepEqual(await rendered(page), expected, 'every message once, in order');
}

test('two users chat in the page through the real server; dropped connections lose and double nothing',
  { skip, timeout: 180_000 }, async () => {
    const alice = await signIn(ALICE);
    const bob = await signIn(BOB);

    // alice starts a chat with bob
    await alice.fill('#peer-id', String(BOB));
    await alice.press('#peer-id', 'Enter');
    await send(alice, 'Hi Bob!');
    await alice.waitForSelector('#messages li.out[data-status=delivered]');

    // bob sees the conversation, with alice online and one unread message
    const bobsEntry = bob.locator(`#conversations li[data-peer="${ALICE}"]`);
    await bobsEntry.locator('.badge', { hasText: '1' }).waitFor();
    await bobsEntry.locator('.dot.online').waitFor();
    await shot(bob, '1-conversation-list');
    await bobsEntry.click();
    await waitForTexts(bob, ['Hi Bob!']);
    await bob.waitForFunction(() => document.querySelector('#conversations .badge').textContent === '');

    const expected = ['Hi Bob!'];

    // bob's connection drops; alice goes on sending meanwhile
    await bob.evaluate(() => window.minichat.dropConnection());
    await bob.waitForSelector('#conn[data-state=reconnecting]');
    assert.match(await bob.textContent('#conn'), /reconnecting in \d+\.\d s/);
    for (let i = 1; i <= 8; i++) {
      const text = `while you were away ${i}`;
      expected.push(text);
      await send(alice, text);
    }
    await shot(bob, '2-reconnecting');
    await bob.waitForSelector('#conn[data-state=online]', { timeout: 20_000 });
    await waitForTexts(bob, expected);

    // now alice's network goes down while she sends: her messages wait, then go out once when it is back
    await alice.evaluate(() => window.minichat.dropConnection({ hold: true }));
    await alice.waitForSelector('#conn[data-state=reconnecting]');
    for (let i = 1; i <= 3; i++) {
      const text = `sent while offline ${i}`;
      expected.push(text);
      await send(alice, text);
    }
    assert.equal(await alice.locator('#messages li[data-status=sending]').count(), 3, 'queued sends show as sending');
    await shot(alice, '3-sending-while-offline');
    await alice.evaluate(() => window.minichat.restoreNetwork());
    await alice.waitForSelector('#conn[data-state=online]', { timeout: 20_000 });
    await alice.waitForFunction(() => document.querySelectorAll('#messages li[data-status=sending]').length === 0,
      null, { timeout: 20_000 });
    await waitForTexts(bob, expected);
    await waitForTexts(alice, expected);

    // bob answers; alice sees it, and the read state of her messages (bob has the chat open)
    await send(bob, 'Got every one of them, once.');
    expected.push('Got every one of them, once.');
    await waitForTexts(alice, expected);
    await alice.waitForSelector('#messages li.out[data-status=read]', { timeout: 15_000 });
    await waitForTexts(bob, expected);
    await shot(alice, '4-alice-chat');
    await shot(bob, '5-bob-chat');

    // a reload catches up from the server: the same conversation, once
    await bob.reload();
    await bob.fill('#user-id', String(BOB));
    await bob.click('#signin-button');
    await bob.waitForSelector('#conn[data-state=online]');
    await bob.locator(`#conversations li[data-peer="${ALICE}"]`).click();
    await waitForTexts(bob, expected);
  });

test('a chat\'s history arriving late takes neither the focus nor the open chat from what the person does next',
  { skip, timeout: 120_000 }, async () => {
    const carol = await signIn(203);
    // the history of carol's chat with alice is held until carol has moved on to bob's
    let releaseHistory;
    const held = new Promise((resolve) => { releaseHistory = resolve; });
    let historyAsked;
    const asked = new Promise((resolve) => { historyAsked = resolve; });
    await carol.route((url) => url.pathname === '/api/messages' && url.searchParams.get('peer') === String(ALICE),
      async (route) => {
        historyAsked();
        await held;
        await route.continue();
      });

    await carol.fill('#peer-id', String(ALICE));
    await carol.press('#peer-id', 'Enter');
    await asked;
    await carol.fill('#peer-id', String(BOB));
    await carol.focus('#peer-id');
    // the page marks a chat read once its history is in: the sign that the late history has been handled
    await carol.evaluate(() => {
      const { client } = window.minichat;
      const markRead = client.markRead.bind(client);
      window.readsAsked = [];
      client.markRead = (peer, upTo) => {
        window.readsAsked.push(Number(peer));
        return markRead(peer, upTo);
      };
    });
    releaseHistory();
    await carol.waitForFunction((peer) => window.readsAsked.includes(peer), ALICE, { timeout: 20_000 });
    assert.equal(await carol.evaluate(() => document.activeElement.id), 'peer-id', 'the focus stays where it is');

    await carol.keyboard.press('Enter');
    await carol.locator(`#conversations li.active[data-peer="${BOB}"]`).waitFor();
    assert.equal(await carol.evaluate(() => document.activeElement.id), 'text', 'the chat just opened takes the focus');
  });
