// Opens the node's /chat page in two headless Chromium pages (playwright-core + Debian's chromium) in one room; each
// sends a message and both must show both. Saves a screenshot. Exits 0 on success, 1 with a message.
// Usage: node chat-browser.mjs http://127.0.0.1:PORT screenshot.png
import { chromium } from "playwright-core";

const [base, screenshot] = process.argv.slice(2);
const room = `browser${Date.now()}`;
const fail = (message) => { console.error(`FAIL: ${message}`); process.exit(1); };
setTimeout(() => fail("timed out after 60 s"), 60_000).unref();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const context = await browser.newContext();
  const pages = [await context.newPage(), await context.newPage()];
  for (const page of pages) {
    page.on("pageerror", (e) => fail(`page error: ${e.message}`));
    await page.goto(`${base}/chat?room=${room}`);
    await page.waitForSelector("body[data-joined=true]", { timeout: 15_000 });
  }
  const say = async (page, text) => { await page.fill("#body", text); await page.click("button"); };
  await say(pages[0], "hello from page one");
  await say(pages[1], "hi from page two");
  for (const [i, page] of pages.entries()) {
    for (const text of ["hello from page one", "hi from page two"])
      await page.locator("#log li", { hasText: text }).waitFor({ timeout: 15_000 }).catch(() => fail(`page ${i + 1} never showed "${text}"`));
  }
  await pages[1].screenshot({ path: screenshot, fullPage: true });
  console.log(`OK browser chat: two pages in room ${room} saw each other's messages; screenshot ${screenshot}`);
} finally {
  await browser.close();
}
process.exit(0);
