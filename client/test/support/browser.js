/**
 * The browser tests' harness: Debian's Chromium driven by playwright-core against the real server, one fresh
 * temporary profile per run. `chatPage` registers the file's before/after hooks and returns its helpers.
 */
import { before, after } from 'node:test';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startServer, TARGET } from './server.js';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOTS = path.join(TARGET, 'screenshots');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why the browser tests cannot run here, or false. */
export const skip = existsSync(CHROMIUM) ? false
  : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH); .ci/run installs it`;

/**
 * A server named {@code serverName} (with {@code extraEnv} added to its settings) and a browser for this test file;
 * pages of {@code viewport}'s size.
 */
export function chatPage(serverName, viewport, extraEnv = {}) {
  let server;
  let browser;

  before(async () => {
    if (skip) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = await startServer(serverName, extraEnv);
    const { chromium } = await import('playwright-core');
    // launch() gives every run a fresh, temporary profile (user data dir)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A new browser context signed in on the chat page as {@code userId}, once its connection is online. */
  async function signIn(userId) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`page of user ${userId}:`, error));
    // the page's own warnings and failed loads, so that a failed run says what the page saw
    page.on('console', (message) => {
      if (message.type() === 'warning' || message.type() === 'error') {
        const where = message.location()?.url;
        console.error(`page of user ${userId} (${new Date().toISOString()}): ${message.text()}${where ? ` at ${where}` : ''}`);
      }
    });
    await page.goto(server.base + '/');
    await page.fill('#user-id', String(userId));
    await page.click('#signin-button');
    await page.waitForSelector('#conn[data-state=online]');
    return page;
  }

  async function shot(page, name) {
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
  }

  return { signIn, shot };
}

/** Opens the one-to-one chat with `peer` the way a person does: its id in the peer box, then Enter. */
export async function openChat(page, peer) {
  await page.fill('#peer-id', String(peer));
  await page.press('#peer-id', 'Enter');
}

/**
 * The open chat's picture `alt` once its thumbnail has loaded: its size, its src and the full-size link around it.
 * If it does not load, the error says what the page showed instead.
 */
export async function loadedPicture(page, alt, timeout = 20_000) {
  const selector = `#messages li img[alt="${alt}"]`;
  try {
    await page.waitForFunction((s) => {
      const image = document.querySelector(s);
      return image && image.complete && image.naturalWidth > 0;
    }, selector, { timeout });
  } catch (error) {
    const shown = await page.evaluate(() => ({
      chat: document.querySelector('#chat-title')?.textContent,
      images: [...document.querySelectorAll('#messages li img')]
        .map((image) => ({ alt: image.alt, src: image.src, complete: image.complete, width: image.naturalWidth })),
    }));
    throw new Error(`${alt} did not load: the page showed ${JSON.stringify(shown)}`, { cause: error });
  }
  return page.$eval(selector, (image) => ({
    width: image.naturalWidth,
    height: image.naturalHeight,
    src: image.src,
    href: image.closest('a').href,
  }));
}
