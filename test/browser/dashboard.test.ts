/**
 * The dashboard in headless Chromium (Debian's, driven by playwright-core; nothing downloads a
 * browser) against the real local server: sign in, create a key and use it from the openai SDK,
 * find the request in the logs with its tokens, give feedback, rotate and delete the key, see a
 * chart with data, a wrong token refused — with no CSP violation on any page. Screenshots of each
 * page go to .artifacts/dashboard/ (not committed).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, chromium as chromiumInstalled, skipWithout } from "../helpers/optional.js";
import { ADMIN_TOKEN, admin, startKeysGateway, type TestGateway } from "../integration/keys-helpers.js";

const skip = skipWithout(import.meta.url, chromiumInstalled());
const SHOTS = join(import.meta.dirname, "../../.artifacts/dashboard");

describe.skipIf(skip)("the dashboard in headless Chromium", () => {
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    gw = await startKeysGateway();
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    page.on("console", (m) => {
      if (m.type() !== "error") return;
      if (m.text().startsWith("CSP violation") || m.text().includes("Content Security Policy")) violations.push(m.text());
      else consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const alert = () => page.getByRole("alert").first();

  it("serves the page with a strict CSP and long-lived, hashed assets", async () => {
    const res = await fetch(`${gw.url}/admin/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await res.text();
    const asset = /\/admin\/ui\/assets\/(app-[\w-]+\.js)/.exec(html)![1]!;
    const js = await fetch(`${gw.url}/admin/ui/assets/${asset}`);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await fetch(`${gw.url}/admin/ui/assets/nope.js`)).status).toBe(404);
  });

  it("a wrong token is refused with a clear message", async () => {
    await page.goto(`${gw.url}/admin/ui`);
    await page.getByLabel("Admin token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(async () => alert().textContent()).toMatch(/not valid/i);
    await shot("sign-in-refused");
  });

  it("signs in, creates a key, and sees that key's call in the logs with its tokens; feedback is saved", async () => {
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Keys" }).click();
    await page.getByRole("button", { name: "New key" }).click();
    await page.getByLabel("Name", { exact: true }).fill("browser-test");
    await page.getByLabel("RPM").fill("100");
    await page.getByRole("button", { name: "Create" }).click();
    const value = page.getByLabel("New key value");
    await expect.poll(async () => (await value.textContent())?.trim() ?? "").toMatch(/^sk-strait-/);
    const key = (await value.textContent())!.trim();
    await shot("key-created");

    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: "mock/echo", messages: [{ role: "user", content: "hello from the browser test" }] }).withResponse();
    const logId = answer.response.headers.get("cf-aig-log-id")!;

    await page.getByRole("link", { name: "Logs" }).click();
    const row = page.getByRole("link", { name: new RegExp(logId) }).or(page.getByRole("row").filter({ hasText: "mock/echo" }).first().getByRole("link").first());
    await expect.poll(async () => {
      await page.reload();
      return row.count();
    }, { timeout: 10_000 }).toBeGreaterThan(0);
    await shot("logs");
    await row.first().click();
    await expect.poll(async () => page.textContent("body")).toContain(String(answer.data.usage!.prompt_tokens));
    await page.getByRole("button", { name: "Thumbs up" }).click();
    await expect.poll(async () => (await admin(gw, "GET", `/admin/logs/${logId}`)).json.feedback).toBe(1);
    await page.getByLabel("Score").fill("87");
    await page.getByRole("button", { name: "Save score" }).click();
    await expect.poll(async () => (await admin(gw, "GET", `/admin/logs/${logId}`)).json.score).toBe(87);
    await shot("log-detail");
  });

  it("the overview draws its charts from analytics", async () => {
    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByRole("button", { name: "Last day" }).click();
    const chart = page.locator("figure").filter({ hasText: "Requests and errors" }).locator("canvas");
    await expect.poll(async () => chart.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const drawn = await chart.first().evaluate((c: HTMLCanvasElement) => {
      const ctx = c.getContext("2d")!;
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
      return painted;
    });
    expect(drawn).toBeGreaterThan(100);
    await shot("overview");
  });

  it("rotates, then deletes the key, each after a confirmation", async () => {
    await page.getByRole("link", { name: "Keys" }).click();
    await page.getByRole("link", { name: "browser-test" }).click();
    await page.getByRole("button", { name: "Rotate" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(async () => (await page.getByLabel("New key value").textContent())?.trim() ?? "").toMatch(/^sk-strait-/);
    await shot("key");
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect.poll(async () => (await admin(gw, "GET", "/admin/keys")).json.data.some((k: { name: string }) => k.name === "browser-test")).toBe(false);
  });

  it("the health page shows the store, the providers and the version", async () => {
    await page.getByRole("link", { name: "Health" }).click();
    await expect.poll(async () => page.textContent("body")).toContain("memory");
    expect(await page.textContent("body")).toContain("mock");
    await shot("health");
  });

  it("a gateway with no admin token: the page says how to turn the admin API on", async () => {
    const closed = await startKeysGateway({ admin: false });
    try {
      const other = await browser.newPage();
      await other.goto(`${closed.url}/admin/ui`);
      await other.getByLabel("Admin token").fill("anything");
      await other.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(async () => other.getByRole("alert").first().textContent()).toContain("set STRAIT_ADMIN_TOKEN");
      await other.close();
    } finally {
      await closed.close();
    }
  });

  it("fits a phone-width screen, and raised no CSP violation and no script error anywhere", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.getByRole("link", { name: "Overview" }).click();
    await shot("overview-phone");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    expect(violations).toEqual([]);
    expect(consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of 401/.test(e))).toEqual([]);
  });
});
