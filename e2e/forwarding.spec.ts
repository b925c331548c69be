import Stripe from "stripe";
import { freePort } from "./support/server";
import { startTargetServer, type TargetServer } from "./support/target";
import { expect, test, untilCaptureShown } from "./fixtures";

const stripe = new Stripe("sk_test_unused");
let target: TargetServer;
test.beforeAll(async () => {
  target = await startTargetServer();
});
test.afterAll(() => target.close());

test("forward a capture with one click, see the target's answer and the attempt listed", async ({ page, bin, send }) => {
  target.respondWith(() => ({
    status: 201,
    headers: { "Content-Type": "application/json", "X-Handled-By": "target" },
    body: JSON.stringify({ handled: "evt_fw" }),
  }));
  const payload = JSON.stringify({ id: "evt_fw", amount: 42 });
  await send({ path: "/hooks/stripe?live=1", headers: { "Content-Type": "application/json", "X-Sender": "journey" }, body: payload });

  await page.goto(`/bins/${bin.id}`);
  await untilCaptureShown(page);
  const panel = page.getByTestId("forward-panel");
  await panel.getByLabel("Target URL").fill(`${target.baseUrl}/app`);
  await expect(panel.getByLabel(/Append sub-path and query/)).toBeChecked();
  await panel.getByRole("button", { name: "Forward" }).click();

  const answer = panel.getByTestId("forward-answer").first();
  await expect(answer).toContainText("201");
  await expect(answer.getByRole("table", { name: "Target answer headers" })).toContainText("X-Handled-By");
  await expect(answer).toContainText("evt_fw");
  await expect(panel.getByRole("list", { name: "Forwarding attempts" }).getByRole("listitem")).toHaveCount(1);
  await expect(panel.getByRole("list", { name: "Forwarding attempts" })).toContainText(`${target.baseUrl}/app/hooks/stripe?live=1`);

  const arrived = target.received.at(-1)!;
  expect(arrived.url).toBe("/app/hooks/stripe?live=1");
  expect(arrived.body.toString()).toBe(payload);
  expect(arrived.headers).toContainEqual(["X-Sender", "journey"]);

  // An HTML answer is shown as the text it is; the target is remembered across a reload.
  target.respondWith(() => ({ status: 500, headers: { "Content-Type": "text/html" }, body: "<b id=injected>boom</b>" }));
  await page.reload();
  await untilCaptureShown(page);
  await expect(panel.getByLabel("Target URL")).toHaveValue(`${target.baseUrl}/app`);
  await expect(panel.getByRole("list", { name: "Forwarding attempts" }).getByRole("listitem")).toHaveCount(1);
  await panel.getByRole("button", { name: "Forward" }).click();
  await expect(panel.getByRole("list", { name: "Forwarding attempts" }).getByRole("listitem")).toHaveCount(2);
  await expect(panel.getByTestId("forward-answer").first()).toContainText("<b id=injected>boom</b>");
  await expect(page.locator("#injected")).toHaveCount(0);
});

test("a forward answered while the attempts are still loading stays listed when they arrive", async ({ page, bin, send }) => {
  target.respondWith(() => ({ status: 202, body: "queued" }));
  await send({ body: "early" });
  // The attempts list is read before the forward but arrives after its answer, as from a slow server.
  let answered!: () => void;
  const forwardAnswered = new Promise<void>((resolve) => (answered = resolve));
  await page.route(/\/forwards$/, async (route) => {
    const response = await route.fetch();
    await forwardAnswered;
    await route.fulfill({ response });
  });

  await page.goto(`/bins/${bin.id}`);
  await untilCaptureShown(page);
  const panel = page.getByTestId("forward-panel");
  await panel.getByLabel("Target URL").fill(target.baseUrl);
  await panel.getByRole("button", { name: "Forward" }).click();
  await expect(panel.getByTestId("forward-answer").first()).toContainText("202");

  const listLoaded = page.waitForResponse(/\/forwards$/);
  answered();
  await listLoaded;
  await expect(panel.getByRole("list", { name: "Forwarding attempts" }).getByRole("listitem")).toHaveCount(1);
  await expect(panel.getByTestId("forward-answer").first()).toContainText("queued");
});

test("edit and send, and a refused connection in words", async ({ page, bin, send }) => {
  target.respondWith(() => ({ status: 200, body: "ok" }));
  await send({ path: "/edit", headers: { "Content-Type": "text/plain" }, body: "captured body" });
  await page.goto(`/bins/${bin.id}`);
  await untilCaptureShown(page);
  const panel = page.getByTestId("forward-panel");
  await panel.getByLabel("Target URL").fill(`${target.baseUrl}/edited`);
  await panel.getByLabel(/Append sub-path and query/).uncheck();
  await panel.getByLabel("Edit and send").check();
  await panel.getByLabel("Method").fill("PUT");
  await panel.getByLabel("Body").fill("edited body");
  await panel.getByRole("button", { name: "Send edited" }).click();
  await expect(panel.getByTestId("forward-answer").first()).toContainText("200");
  const arrived = target.received.at(-1)!;
  expect(arrived.method).toBe("PUT");
  expect(arrived.url).toBe("/edited");
  expect(arrived.body.toString()).toBe("edited body");

  const closedPort = await freePort();
  await panel.getByLabel("Edit and send").uncheck();
  await panel.getByLabel("Target URL").fill(`http://127.0.0.1:${closedPort}/`);
  await panel.getByRole("button", { name: "Forward" }).click();
  await expect(panel.getByTestId("forward-error").first()).toContainText(`connection refused by 127.0.0.1:${closedPort}`);
});

test("re-sign a stale Stripe capture so the target's stripe check accepts it", async ({ page, bin, send, request }) => {
  const secret = "whsec_forward_journey_0123456789";
  const patched = await request.patch(`/api/bins/${bin.id}`, { data: { signature: { provider: "stripe", secrets: [secret] } } });
  expect(patched.status()).toBe(200);
  const payload = JSON.stringify({ id: "evt_stale_ui", type: "invoice.paid" });
  const hourAgo = Math.floor(Date.now() / 1000) - 3_600;
  await send({
    headers: { "Content-Type": "application/json", "Stripe-Signature": stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: hourAgo }) },
    body: payload,
  });
  // The target answers as an app would: 400 unless Stripe's own check passes.
  target.respondWith((received) => {
    const header = received.headers.find(([name]) => name === "Stripe-Signature")?.[1] ?? "";
    try {
      stripe.webhooks.constructEvent(received.body, header, secret);
      return { status: 200, body: "signature ok" };
    } catch (error) {
      return { status: 400, body: error instanceof Error ? error.message : "bad signature" };
    }
  });

  await page.goto(`/bins/${bin.id}`);
  await untilCaptureShown(page);
  const panel = page.getByTestId("forward-panel");
  await panel.getByLabel("Target URL").fill(target.baseUrl);
  await panel.getByRole("button", { name: "Forward" }).click();
  await expect(panel.getByTestId("forward-answer").first()).toContainText("400");

  await panel.getByLabel("Re-sign with a fresh timestamp (Stripe)").check();
  await panel.getByRole("button", { name: "Forward" }).click();
  await expect(panel.getByRole("list", { name: "Forwarding attempts" }).getByRole("listitem")).toHaveCount(2);
  await expect(panel.getByTestId("forward-answer").first()).toContainText("signature ok");
  await expect(panel.getByRole("list", { name: "Forwarding attempts" }).getByRole("listitem").nth(1)).toContainText("re-signed");
});

test("a refused forward replaces the earlier answer on screen and keeps the attempts", async ({ page, bin, send }) => {
  target.respondWith(() => ({ status: 201, body: "made" }));
  await send({ path: "/refused", body: "x" });
  await page.goto(`/bins/${bin.id}`);
  await untilCaptureShown(page);
  const panel = page.getByTestId("forward-panel");
  await panel.getByLabel("Target URL").fill(`${target.baseUrl}/ok`);
  await panel.getByRole("button", { name: "Forward" }).click();
  // The answer on show, and the same one inside the attempts list.
  await expect(panel.getByTestId("forward-answer")).toHaveCount(2);
  await expect(panel.getByTestId("forward-answer").first()).toContainText("201");

  // A cloud metadata address is refused before anything is sent: the 201 above would read as its answer.
  await panel.getByLabel("Target URL").fill("http://169.254.169.254/");
  await panel.getByRole("button", { name: "Forward" }).click();
  await expect(panel.getByRole("alert")).toBeVisible();
  await expect(panel.getByTestId("forward-answer")).toHaveCount(1);
  await expect(panel.getByRole("list", { name: "Forwarding attempts" }).getByRole("listitem")).toHaveCount(1);
});
