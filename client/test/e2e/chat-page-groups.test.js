import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatPage, skip } from '../support/browser.js';

const ALICE = 211;
const BOB = 212;
const CAROL = 213;
const DAVE = 214;

const { signIn, shot } = chatPage('e2e_groups', { width: 1100, height: 640 });

/** The open chat as a person reads it, top to bottom: "notice: …", "<sender>: …", or "me: …" for one's own. */
function rendered(page) {
  return page.$$eval('#messages li', (items) => items.map((li) => {
    const text = li.querySelector('.text').textContent;
    if (li.classList.contains('system')) return `notice: ${text}`;
    return `${li.querySelector('.sender')?.textContent ?? 'me'}: ${text}`;
  }));
}

/** Every line once, in order (anything doubled or late would show within a moment). */
async function waitForLines(page, expected, timeout = 20_000) {
  await page.waitForFunction((count) => document.querySelectorAll('#messages li').length >= count,
    expected.length, { timeout });
  await page.waitForTimeout(500);
  assert.deepEqual(await rendered(page), expected, 'every message once, in order');
}

/** The same chat as `viewer` sees it: their own lines as "me", the others' under the sender's name. */
function as(viewer, lines) {
  return lines.map(([sender, text]) => {
    if (sender === 'notice') return `notice: ${text(viewer)}`;
    return sender === viewer ? `me: ${text}` : `用户 ${sender}: ${text}`;
  });
}

async function send(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

const groupEntry = (page) => page.locator('#conversations li[data-kind=group]');

test('three users in a group on the page: a member who drops, and one who closes the page, miss nothing and see nothing twice',
  { skip, timeout: 180_000 }, async () => {
    const alice = await signIn(ALICE);
    const bob = await signIn(BOB);
    let carol = await signIn(CAROL);
    const you = (viewer, id) => (viewer === id ? 'you' : `用户 ${id}`);
    const You = (viewer, id) => (viewer === id ? 'You' : `用户 ${id}`);
    const lines = [['notice', (v) => `${You(v, ALICE)} created the group “Weekend trip” with ${you(v, BOB)}, ${you(v, CAROL)}`]];

    // alice creates the group from the page
    await alice.click('#new-group-box summary');
    await alice.fill('#group-name', 'Weekend trip');
    await alice.fill('#group-members', `${BOB}, ${CAROL}`);
    await alice.click('#create-group');
    await waitForLines(alice, as(ALICE, lines));
    assert.equal(await alice.textContent('#chat-title'), 'Weekend trip');
    for (const member of [BOB, CAROL]) {
      await alice.locator(`#members li[data-user="${member}"] .dot.online`).waitFor();
    }

    // bob opens it and talks; carol, who has not opened it, is mentioned
    await groupEntry(bob).click();
    await waitForLines(bob, as(BOB, lines));
    await send(alice, 'Hi both!');
    lines.push([ALICE, 'Hi both!']);
    await waitForLines(bob, as(BOB, lines));
    await send(bob, `Carol, are you in? @${CAROL}`);
    lines.push([BOB, `Carol, are you in? @用户 ${CAROL}`]);
    await groupEntry(carol).locator('.badge', { hasText: '2' }).waitFor();
    await groupEntry(carol).locator('.mention', { hasText: '@' }).waitFor();
    await shot(carol, 'group-1-mentioned');
    await groupEntry(carol).click();
    await waitForLines(carol, as(CAROL, lines));
    assert.equal(await carol.locator('#messages li.mentioned').count(), 1, 'the mention stands out');
    await carol.waitForFunction(() => document.querySelector('#conversations li[data-kind=group] .badge').textContent === '');

    // alice adds dave from the member list
    await alice.fill('#add-member-ids', String(DAVE));
    await alice.press('#add-member-ids', 'Enter');
    lines.push(['notice', (v) => `${You(v, ALICE)} added 用户 ${DAVE}`]);
    await alice.locator(`#members li[data-user="${DAVE}"]`).waitFor();
    assert.equal(await alice.locator(`#members li[data-user="${DAVE}"] .dot.online`).count(), 0, 'dave is offline');
    await waitForLines(carol, as(CAROL, lines));

    // carol's connection drops while the others talk
    await carol.evaluate(() => window.minichat.dropConnection());
    await carol.waitForSelector('#conn[data-state=reconnecting]');
    for (let i = 1; i <= 4; i++) {
      const [page, sender] = i % 2 ? [alice, ALICE] : [bob, BOB];
      await send(page, `while carol was away ${i}`);
      lines.push([sender, `while carol was away ${i}`]);
    }
    await carol.waitForSelector('#conn[data-state=online]', { timeout: 20_000 });
    await waitForLines(carol, as(CAROL, lines));
    await send(carol, 'Back, got all four.');
    lines.push([CAROL, 'Back, got all four.']);
    await waitForLines(alice, as(ALICE, lines));

    // carol closes her page; the group goes on; she comes back in a new page
    await carol.context().close();
    const missed = ['Where did carol go?', 'She will catch up.', 'Every one, once.'];
    await send(bob, missed[0]);
    await send(alice, missed[1]);
    await send(bob, missed[2]);
    lines.push([BOB, missed[0]], [ALICE, missed[1]], [BOB, missed[2]]);
    await waitForLines(alice, as(ALICE, lines));
    carol = await signIn(CAROL);
    await groupEntry(carol).locator('.badge', { hasText: String(missed.length) }).waitFor();
    await groupEntry(carol).click();
    await waitForLines(carol, as(CAROL, lines));
    await waitForLines(bob, as(BOB, lines));
    await alice.waitForSelector('#messages li.out[data-status=read]', { timeout: 15_000 });
    await shot(alice, 'group-2-alice');
    await shot(carol, 'group-3-carol');
  });
