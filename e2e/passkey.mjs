#!/usr/bin/env node
// passkey.mjs drives wk's passkey hand-off pages in headless Chromium.
//
// Usage:
//   node passkey.mjs URL...          open each page in turn
//   cmd | node passkey.mjs -         open every http://localhost URL cmd prints, in turn
//
// All pages share one tab with one CDP virtual authenticator (CTAP2, internal, resident
// keys, user verification), so a passkey registered on the first page can log in on the
// next. For each page the script waits until the page reports success and prints
// "ok <page status text>"; a failure prints the page's message and exits 1. Every step
// has a timeout (--timeout MS, default 30000). Environment: CHROMIUM (default
// /usr/bin/chromium).

import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function parseArgs(argv) {
  const opts = { timeout: 30000, urls: [], stdin: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--timeout") {
      opts.timeout = Number(argv[++i]);
      if (!Number.isFinite(opts.timeout) || opts.timeout <= 0) {
        throw new Error("--timeout needs a positive number of milliseconds");
      }
    } else if (a === "-") {
      opts.stdin = true;
    } else if (a.startsWith("http://") || a.startsWith("https://")) {
      opts.urls.push(a);
    } else {
      throw new Error(`unknown argument ${JSON.stringify(a)}: give URLs or - for stdin`);
    }
  }
  if (!opts.stdin && opts.urls.length === 0) {
    throw new Error("give at least one URL, or - to read URLs from stdin");
  }
  return opts;
}

// withTimeout rejects when promise takes longer than ms, naming the step.
function withTimeout(promise, ms, step) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${step}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

// urlsFromStdin yields each line of stdin that is a URL, as it arrives.
async function* urlsFromStdin() {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    const url = line.trim();
    if (url.startsWith("http://") || url.startsWith("https://")) {
      yield url;
    } else if (url !== "") {
      process.stderr.write(`passkey.mjs: ignoring line ${JSON.stringify(url)}\n`);
    }
  }
}

async function* allUrls(opts) {
  yield* opts.urls;
  if (opts.stdin) {
    yield* urlsFromStdin();
  }
}

async function runPage(page, url, timeout) {
  await withTimeout(page.goto(url, { timeout }), timeout, `open ${url}`);
  const done = page.locator('#status[data-state="ok"], #status[data-state="error"]');
  await withTimeout(done.waitFor({ timeout }), timeout, `wait for the outcome of ${url}`);
  const state = await withTimeout(done.getAttribute("data-state"), timeout, "read the page state");
  const text = await withTimeout(done.textContent(), timeout, "read the page text");
  if (state !== "ok") {
    throw new Error(`page reported failure: ${text}`);
  }
  return text;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t = opts.timeout;
  const browser = await withTimeout(
    chromium.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: FLAGS,
      timeout: t,
    }),
    t,
    "launch chromium",
  );
  try {
    const context = await withTimeout(browser.newContext(), t, "open a browser context");
    const page = await withTimeout(context.newPage(), t, "open a tab");
    const cdp = await withTimeout(context.newCDPSession(page), t, "open a CDP session");
    await withTimeout(cdp.send("WebAuthn.enable"), t, "enable WebAuthn");
    const { authenticatorId } = await withTimeout(
      cdp.send("WebAuthn.addVirtualAuthenticator", {
        options: {
          protocol: "ctap2",
          transport: "internal",
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      }),
      t,
      "add a virtual authenticator",
    );

    for await (const url of allUrls(opts)) {
      const text = await runPage(page, url, t);
      const { credentials } = await withTimeout(
        cdp.send("WebAuthn.getCredentials", { authenticatorId }),
        t,
        "read the authenticator's credentials",
      );
      const counts = credentials.map((c) => c.signCount).join(",");
      process.stderr.write(`passkey.mjs: ${url.replace(/\/[^/]+\/(\w+)$/, "/…/$1")}: ` +
        `${credentials.length} credential(s), sign counts ${counts}\n`);
      process.stdout.write(`ok ${text}\n`);
    }
  } finally {
    await browser.close().catch(() => {});
  }
}

main().catch((err) => {
  process.stderr.write(`passkey.mjs: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
